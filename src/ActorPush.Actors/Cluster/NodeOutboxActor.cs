using Akka.Actor;
using Akka.Event;
using ActorPush.Actors.Push;

namespace ActorPush.Actors.Cluster;

/// <summary>
/// Everything this node sends one other node, in order. It finds that node's push router (Identify, retried until
/// found), collects what queues up into one <see cref="NodeBatch"/> per flush (up to <c>batch-bytes</c> of payload),
/// and keeps at most <c>batches-in-flight</c> batches unacknowledged: the other node's router acks each batch once it
/// has dispatched it (<see cref="BatchAck"/>). Beyond that window, and while the node is unreachable or its router not
/// found yet, items wait here, at most <c>outbox-limit</c> of them: over that it drops, counts
/// (<see cref="ClusterCounters.OutboxDropped"/>) and logs at most once a second. So what one node holds for another is
/// bounded at all times (outbox-limit items plus batches-in-flight × batch-bytes), never left to Akka.Remote's own
/// buffers. What it has sent is Akka.Remote's to deliver: in order, once, or not at all if the node dies.
/// </summary>
public sealed class NodeOutboxActor : ReceiveActor, IWithTimers
{
    /// <summary>
    /// No ack for this long while batches are in flight: they are taken as lost (Akka.Remote drops what was under way
    /// when a connection breaks) and the window reopens, so an outbox never stays shut for good.
    /// </summary>
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan IdentifyEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(1);
    private readonly Queue<object> _pending = new();
    private readonly Address _node;
    private readonly int _limit;
    private readonly int _batchBytes;
    private readonly int _window;
    private readonly ClusterCounters _counters = ClusterCounters.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _router;
    private bool _reachable = true;
    private bool _flushQueued;
    private long _sent; // sequence number of the last batch sent
    private long _acked; // highest sequence number acknowledged
    private DateTime _lastProgress = DateTime.UtcNow;
    private long _droppedSinceLog;
    private DateTime _lastLog = DateTime.MinValue;

    public NodeOutboxActor(Address node, int limit, int batchBytes, int window)
    {
        _node = node;
        _limit = limit;
        _batchBytes = batchBytes;
        _window = window;
        Receive<PushItem>(Enqueue);
        Receive<UserCommand>(Enqueue);
        Receive<Flush>(_ =>
        {
            _flushQueued = false;
            SendPending();
        });
        Receive<BatchAck>(Handle);
        Receive<AckCheck>(_ => CheckAcks());
        Receive<IdentifyTick>(_ => Identify());
        Receive<ActorIdentity>(Handle);
        Receive<Terminated>(terminated =>
        {
            if (!terminated.ActorRef.Equals(_router))
                return;
            _router = null; // the node's router is gone (the node restarts or leaves): find it again, hold meanwhile
            ForgetInFlight();
            Timers.StartPeriodicTimer(IdentifyTick.Instance, IdentifyTick.Instance, IdentifyEvery);
        });
        Receive<Unreachable>(_ => _reachable = false);
        Receive<Reachable>(_ =>
        {
            _reachable = true;
            ForgetInFlight(); // what was in flight when it became unreachable may never be acked: start a fresh window
            SendPending();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Address node, int limit, int batchBytes, int window) =>
        Akka.Actor.Props.Create(() => new NodeOutboxActor(node, limit, batchBytes, window));

    protected override void PreStart()
    {
        Identify();
        Timers.StartPeriodicTimer(IdentifyTick.Instance, IdentifyTick.Instance, IdentifyEvery);
        Timers.StartPeriodicTimer(AckCheck.Instance, AckCheck.Instance, AckTimeout / 4);
    }

    private void Identify() =>
        Context.ActorSelection(new RootActorPath(_node) / "user" / PushRouterActor.Name).Tell(new Identify(_node), Self);

    private void Handle(ActorIdentity identity)
    {
        if (_router is not null || identity.Subject is not { } router)
            return;
        _router = router;
        Context.Watch(router);
        Timers.Cancel(IdentifyTick.Instance);
        Context.Parent.Tell(new Resolved(_node, router));
        SendPending();
    }

    private void Handle(BatchAck ack)
    {
        if (ack.Sequence <= _acked || ack.Sequence > _sent)
            return; // late (the window was reset since) or not ours
        _acked = ack.Sequence; // acks come in order, so this one covers every batch before it
        _lastProgress = DateTime.UtcNow;
        SendPending();
    }

    private void CheckAcks()
    {
        if (InFlight == 0 || DateTime.UtcNow - _lastProgress < AckTimeout)
            return;
        _log.Warning("No ack from node {0} for {1} s: taking its {2} unacknowledged batches as lost and sending on",
            _node, AckTimeout.TotalSeconds, InFlight);
        ForgetInFlight();
        SendPending();
    }

    private void ForgetInFlight()
    {
        _acked = _sent;
        _lastProgress = DateTime.UtcNow;
    }

    private void Enqueue(object item)
    {
        if (_pending.Count >= _limit)
        {
            Dropped();
            return;
        }

        _pending.Enqueue(item);
        // Send when the marker comes up behind everything queued now, so what queues up goes in one batch.
        if (!_flushQueued && CanSend)
        {
            _flushQueued = true;
            Self.Tell(Flush.Instance);
        }
    }

    private long InFlight => _sent - _acked;

    private bool CanSend => _router is not null && _reachable && InFlight < _window;

    private void SendPending()
    {
        while (CanSend && _pending.Count > 0)
        {
            var items = new List<object>();
            var bytes = 0;
            while (_pending.Count > 0 && (items.Count == 0 || bytes + Size(_pending.Peek()) <= _batchBytes))
            {
                var item = _pending.Dequeue();
                bytes += Size(item);
                items.Add(item);
            }

            if (InFlight == 0)
                _lastProgress = DateTime.UtcNow; // the ack clock starts with the first batch in flight
            _router!.Tell(new NodeBatch(++_sent, items), Self);
        }
    }

    private static int Size(object item) => item is PushItem push ? push.Payload.Length : 64;

    private void Dropped()
    {
        _counters.Dropped();
        _droppedSinceLog++;
        var now = DateTime.UtcNow;
        if (now - _lastLog < LogEvery)
            return;
        _log.Warning("Outbox for node {0} is full ({1} held, actorpush.cluster.outbox-limit; {2} batches unacknowledged): dropped {3} pushes/commands for it since the last warning",
            _node, _pending.Count, InFlight, _droppedSinceLog);
        _lastLog = now;
        _droppedSinceLog = 0;
    }

    /// <summary>To the router: this outbox found its node's push router.</summary>
    public sealed record Resolved(Address Node, IActorRef Router) : INoSerializationVerificationNeeded;

    /// <summary>From the router: the node became unreachable; hold what is for it (bounded).</summary>
    public sealed class Unreachable : INoSerializationVerificationNeeded
    {
        public static readonly Unreachable Instance = new();
    }

    /// <summary>From the router: the node is reachable again; send what is held.</summary>
    public sealed class Reachable : INoSerializationVerificationNeeded
    {
        public static readonly Reachable Instance = new();
    }

    private sealed class Flush : INoSerializationVerificationNeeded
    {
        public static readonly Flush Instance = new();
    }

    private sealed class IdentifyTick : INoSerializationVerificationNeeded, IDeadLetterSuppression
    {
        public static readonly IdentifyTick Instance = new();
    }

    private sealed class AckCheck : INoSerializationVerificationNeeded, IDeadLetterSuppression
    {
        public static readonly AckCheck Instance = new();
    }
}
