using Akka.Actor;
using Akka.Cluster;
using ActorPush.Actors.Push;

namespace ActorPush.Actors.Cluster;

/// <summary>
/// This node's end of the cluster (<c>"push-router"</c>, one per node). It keeps one <see cref="NodeOutboxActor"/>
/// per other member, hands each of them every push and user command published on this node (so each crosses the
/// wire once per node, Phoenix.PubSub-style), dispatches what other nodes send it to this node's own recipients
/// through <see cref="LocalFanOut"/>, and answers other nodes' presence, topic and stats questions about this node.
/// </summary>
public sealed class PushRouterActor : ReceiveActor
{
    /// <summary>The name every node gives its router; other nodes find it at this path.</summary>
    public const string Name = "push-router";

    private readonly Dictionary<Address, Peer> _peers = [];
    private readonly LocalFanOut _node;
    private readonly int _outboxLimit;
    private readonly int _batchBytes;
    private readonly int _batchesInFlight;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private long _generation;

    public PushRouterActor(LocalFanOut node, int outboxLimit, int batchBytes, int batchesInFlight)
    {
        _node = node;
        _outboxLimit = outboxLimit;
        _batchBytes = batchBytes;
        _batchesInFlight = batchesInFlight;
        Receive<PushItem>(Forward);
        Receive<UserCommand>(Forward);
        Receive<NodeBatch>(Handle);
        Receive<ClusterEvent.MemberUp>(up => Track(up.Member));
        Receive<ClusterEvent.MemberJoined>(joined => Track(joined.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(weaklyUp => Track(weaklyUp.Member));
        Receive<ClusterEvent.MemberRemoved>(removed => Forget(removed.Member.Address));
        Receive<ClusterEvent.MemberDowned>(downed => Forget(downed.Member.Address));
        Receive<ClusterEvent.UnreachableMember>(unreachable => Tell(unreachable.Member.Address, NodeOutboxActor.Unreachable.Instance));
        Receive<ClusterEvent.ReachableMember>(reachable => Tell(reachable.Member.Address, NodeOutboxActor.Reachable.Instance));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<NodeOutboxActor.Resolved>(resolved =>
        {
            if (_peers.TryGetValue(resolved.Node, out var peer) && peer.Outbox.Equals(Sender))
                peer.Router = resolved.Router;
        });
        Receive<GetPeers>(_ => Sender.Tell(CurrentPeers()));
        Receive<AskPresence>(ask => ReplyAsync(async () =>
            await _node.PresenceAsync(ask.UserId, CancellationToken.None) is { } count ? new PresenceReply(count) : null));
        Receive<AskTopic>(ask => ReplyAsync(async () =>
            await _node.TopicSubscribersAsync(ask.Topic, CancellationToken.None) is { } count ? new TopicReply(count) : null));
        Receive<AskStats>(_ => ReplyAsync(async () =>
            await _node.StatsAsync(CancellationToken.None) is { } stats ? new StatsReply(stats) : null));
    }

    public static Props Props(LocalFanOut node, int outboxLimit, int batchBytes, int batchesInFlight) =>
        Akka.Actor.Props.Create(() => new PushRouterActor(node, outboxLimit, batchBytes, batchesInFlight));

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Forward(object item)
    {
        foreach (var peer in _peers.Values)
            peer.Outbox.Tell(item);
    }

    private void Handle(NodeBatch batch)
    {
        foreach (var item in batch.Items)
        {
            if (item is PushItem push)
                _node.Deliver(push.Target, push.Payload.Span, push.Kind);
            else if (item is UserCommand command)
                _node.Apply(command);
        }

        Sender.Tell(new BatchAck(batch.Sequence)); // dispatched: the sending outbox may send one more batch
    }

    private void Track(Member member)
    {
        if (member.Address.Equals(_cluster.SelfAddress) || _peers.ContainsKey(member.Address))
            return;
        var outbox = Context.ActorOf(NodeOutboxActor.Props(member.Address, _outboxLimit, _batchBytes, _batchesInFlight), "outbox-" + ++_generation);
        _peers.Add(member.Address, new Peer(outbox));
    }

    private void Forget(Address address)
    {
        if (_peers.Remove(address, out var peer))
            Context.Stop(peer.Outbox);
    }

    private void Tell(Address address, object message)
    {
        if (_peers.TryGetValue(address, out var peer))
            peer.Outbox.Tell(message);
    }

    private Peers CurrentPeers()
    {
        var up = _cluster.State.Members.Count(member => member.Status == MemberStatus.Up);
        var peers = _peers.Select(pair => new PeerRouter(pair.Key.ToString(), pair.Value.Router)).ToArray();
        return new Peers(Math.Max(up, 1), peers);
    }

    /// <summary>
    /// Answers the sender once this node's own actors have answered (never awaited inside the actor). No answer in
    /// time from them: no reply, and the asking node counts this node as unanswered.
    /// </summary>
    private void ReplyAsync(Func<Task<object?>> answer)
    {
        var sender = Sender;
        answer().ContinueWith(task =>
        {
            if (task.IsCompletedSuccessfully && task.Result is { } reply)
                sender.Tell(reply);
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    private sealed class Peer(IActorRef outbox)
    {
        public IActorRef Outbox { get; } = outbox;

        public IActorRef? Router { get; set; }
    }
}

/// <summary>Local question to the push router: which other nodes are there and where are their routers?</summary>
public sealed class GetPeers : INoSerializationVerificationNeeded
{
    public static readonly GetPeers Instance = new();

    private GetPeers()
    {
    }
}

/// <summary>Answer to <see cref="GetPeers"/>: members up (this one included) and every other member's router (null: not found yet).</summary>
public sealed record Peers(int MembersUp, IReadOnlyList<PeerRouter> Others) : INoSerializationVerificationNeeded;

/// <summary>Another member and its push router, once found.</summary>
public sealed record PeerRouter(string Node, IActorRef? Router) : INoSerializationVerificationNeeded;
