using Akka.Actor;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Push;

/// <summary>
/// This node's fan-out entry: the one place a payload becomes an <see cref="OutboundFrame"/> (encoded once, shared by
/// every local recipient) and is handed to the local actors (BroadcastActor, RegistryActor, TopicsActor). Every
/// broker implementation delivers to its own node's clients through here, whether the publish came from this node or
/// from another one; it also answers the questions a broker puts to this node.
/// </summary>
public sealed class LocalFanOut
{
    private readonly IActorRef _broadcast;
    private readonly IActorRef _registry;
    private readonly IActorRef _topics;
    private readonly IActorRef _clients;
    private readonly ActorSystem _system;
    private readonly TopicAdmission _topicAdmission;
    private readonly TimeSpan _askTimeout;

    /// <param name="clients">The <see cref="ClientsActor"/> every connection's ClientActor is started under.</param>
    public LocalFanOut(ActorSystem system, IActorRef broadcast, IActorRef registry, IActorRef topics, IActorRef clients, TimeSpan askTimeout)
    {
        _system = system;
        _clients = clients;
        _topicAdmission = TopicAdmission.Get(system);
        _broadcast = broadcast;
        _registry = registry;
        _topics = topics;
        _askTimeout = askTimeout;
        Node = system is ExtendedActorSystem extended ? extended.Provider.DefaultAddress.ToString() : system.Name;
    }

    /// <summary>This node's name in answers: its actor system's address.</summary>
    public string Node { get; }

    /// <summary>
    /// Whether this node would take a publish for <paramref name="target"/> now (a look at the gate of the broadcast
    /// mailbox or of the topic mailboxes, reserving nothing). <see cref="Publish"/> decides and reserves in one step.
    /// </summary>
    public PublishOutcome Admit(PushTarget target) =>
        GateOf(target) is { IsFull: true } ? PublishOutcome.Overloaded : PublishOutcome.Accepted;

    /// <summary>
    /// Admits and delivers a publish from this node. A broadcast or topic publish with <see cref="Admission.RefuseWhenFull"/>
    /// reserves its room in its <see cref="PublishGate"/> first (the broadcast mailbox's, or the topic mailboxes' shared
    /// one) and is refused (counted) when there is none, so Accepted means it entered the fan-out; with
    /// <see cref="Admission.Always"/> it enters over the limit. A push to a user goes straight to the user's ClientActors,
    /// whose own mailboxes are bounded.
    /// </summary>
    public PublishOutcome Publish(PushTarget target, ReadOnlySpan<byte> payload, FrameKind kind, Admission admission) =>
        TryPublish(target, payload, kind, admission) is null ? PublishOutcome.Overloaded : PublishOutcome.Accepted;

    /// <summary>As <see cref="Publish"/>; returns the frame this node's recipients share, or null when it was refused.</summary>
    public OutboundFrame? TryPublish(PushTarget target, ReadOnlySpan<byte> payload, FrameKind kind, Admission admission)
    {
        if (admission == Admission.Always || GateOf(target) is not { } gate)
        {
            var frame = new OutboundFrame(payload, kind, StreamOf(target));
            Deliver(target, frame);
            return frame;
        }

        if (!gate.TryReserve(payload.Length))
        {
            PushMetrics.Get(_system).PublishRefused();
            return null;
        }

        var reserved = new OutboundFrame(payload, kind, StreamOf(target));
        if (target.Kind == PushTargetKind.Everyone)
            _broadcast.Tell(new Publish(reserved, Reserved: true), ActorRefs.NoSender);
        else
            _topics.Tell(new PublishToTopic(target.Name, reserved), ActorRefs.NoSender);
        return reserved;
    }

    /// <summary>The gate a publish to <paramref name="target"/> is admitted through; null for a user push (and before the broadcast mailbox exists).</summary>
    private PublishGate? GateOf(PushTarget target) => target.Kind switch
    {
        PushTargetKind.Everyone => BroadcastAdmission.Get(_system).Gate,
        PushTargetKind.Topic => _topicAdmission.Gate,
        _ => null,
    };

    /// <summary>Encodes the frame this node's recipients share and hands it to the actor that owns <paramref name="target"/>.</summary>
    public void Deliver(PushTarget target, ReadOnlySpan<byte> payload, FrameKind kind) =>
        Deliver(target, new OutboundFrame(payload, kind, StreamOf(target)));

    /// <summary>The stream actorpush.v1 clients are told a message to <paramref name="target"/> came on.</summary>
    public static PushStream StreamOf(PushTarget target) => target.Kind switch
    {
        PushTargetKind.Everyone => PushStream.Broadcast,
        PushTargetKind.User => PushStream.User,
        _ => PushStream.Topic(target.Name),
    };

    /// <summary>Hands an already encoded frame to the actor that owns <paramref name="target"/> on this node.</summary>
    public void Deliver(PushTarget target, OutboundFrame frame)
    {
        switch (target.Kind)
        {
            case PushTargetKind.Everyone:
                _broadcast.Tell(new Publish(frame), ActorRefs.NoSender);
                break;
            case PushTargetKind.User:
                _registry.Tell(new PushToUser(target.Name, frame), ActorRefs.NoSender);
                break;
            default:
                _topicAdmission.Gate.Enter(frame.Payload.Length); // over the limit: it was admitted elsewhere
                _topics.Tell(new PublishToTopic(target.Name, frame), ActorRefs.NoSender);
                break;
        }
    }

    /// <summary>Starts a connection's ClientActor on this node and subscribes it to its handshake's topics.</summary>
    public PushClient Connect(string userId, IReadOnlyCollection<string> topics, IClientConnection connection)
    {
        var client = ClientActor.Start(_clients, userId, connection, _registry);
        foreach (var topic in topics)
            _topics.Tell(new Subscribe(topic, client), ActorRefs.NoSender);
        return new PushClient(client, _topics);
    }

    /// <summary>Applies a user command (server-side subscribe/unsubscribe, kick) to this node's connections of the user.</summary>
    public void Apply(UserCommand command) => _registry.Tell(command.Kind switch
    {
        UserCommandKind.Subscribe => new SubscribeUser(command.UserId, command.Topic),
        UserCommandKind.Unsubscribe => new UnsubscribeUser(command.UserId, command.Topic),
        _ => (object)new DisconnectUser(command.UserId, command.Code, command.Reason),
    }, ActorRefs.NoSender);

    /// <summary>This node's connections of <paramref name="userId"/>; null when its registry did not answer in time.</summary>
    public async Task<int?> PresenceAsync(string userId, CancellationToken cancellationToken) =>
        (await AskAsync<UserPresence>(_registry, new GetUserPresence(userId), cancellationToken))?.Connections;

    /// <summary>This node's subscribers of <paramref name="topic"/>; null when its TopicsActor did not answer in time.</summary>
    public async Task<int?> TopicSubscribersAsync(string topic, CancellationToken cancellationToken) =>
        (await AskAsync<TopicSubscribers>(_topics, new GetTopicSubscribers(topic), cancellationToken))?.Subscribers;

    /// <summary>This node's counters; null when its registry or TopicsActor did not answer in time.</summary>
    public async Task<NodeStats?> StatsAsync(CancellationToken cancellationToken)
    {
        var registryStats = AskAsync<RegistryStats>(_registry, GetRegistryStats.Instance, cancellationToken);
        var topicStats = AskAsync<TopicStats>(_topics, GetTopicStats.Instance, cancellationToken);
        if (await registryStats is not { } users || await topicStats is not { } topics)
            return null;
        var metrics = PushMetrics.Get(_system);
        var cluster = Cluster.ClusterCounters.Get(_system);
        return new NodeStats(
            Node,
            users.Connections,
            users.Users,
            topics.Topics,
            topics.Subscriptions,
            metrics.MessagesIn,
            metrics.MessagesOut,
            metrics.PublishesDropped,
            metrics.ClientFramesDiscarded,
            metrics.SlowConsumerDisconnects,
            metrics.RateLimitDisconnects,
            metrics.SubscriptionsRefused,
            cluster.OutboxDropped,
            cluster.BatchesSent,
            cluster.ItemsSent,
            cluster.BytesSent);
    }

    private Task<T?> AskAsync<T>(IActorRef actor, object message, CancellationToken cancellationToken)
        where T : class =>
        AskAsync<T>(actor, message, _askTimeout, cancellationToken);

    /// <summary>Asks with a deadline and the caller's cancellation; null when no answer came in time.</summary>
    internal static async Task<T?> AskAsync<T>(IActorRef actor, object message, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await actor.Ask<T>(message, timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }
}

/// <summary>A command addressed to one user's connections, wherever they are.</summary>
public sealed record UserCommand(UserCommandKind Kind, string UserId, string Topic = "", ushort Code = 0, string Reason = "");

public enum UserCommandKind : byte
{
    Subscribe = 0,
    Unsubscribe = 1,
    Kick = 2,
}
