using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Akka.Event;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// The BroadcastActor's bounded mailbox. Only <see cref="Publish"/> messages count against
/// <c>mailbox-capacity</c>; membership messages (<see cref="AddRecipient"/>, <see cref="RemoveRecipient"/>)
/// are never dropped, so the recipient set stays correct under any load. (Akka's stock
/// <c>BoundedMailbox</c> would drop those too.)
///
/// When the mailbox is full a publisher waits at most <c>mailbox-push-timeout-time</c> for a free slot
/// (default 0: it never waits, so a WebSocket receive loop never blocks a thread), then the publish
/// is dropped, counted in <see cref="PushMetrics.PublishesDropped"/>, and logged at most once a second.
/// </summary>
public sealed class PublishMailbox : MailboxType, IProducesMessageQueue<PublishMessageQueue>
{
    private readonly int _capacity;
    private readonly TimeSpan _pushTimeout;

    public PublishMailbox(Akka.Actor.Settings settings, Config config) : base(settings, config)
    {
        _capacity = config.GetInt("mailbox-capacity");
        _pushTimeout = config.GetTimeSpan("mailbox-push-timeout-time", TimeSpan.Zero);
        if (_capacity < 1)
            throw new ArgumentException("mailbox-capacity must be at least 1", nameof(config));
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) =>
        new PublishMessageQueue(_capacity, _pushTimeout, PushMetrics.Get(system), Logging.GetLogger(system, typeof(PublishMailbox)));
}

/// <summary>The queue behind <see cref="PublishMailbox"/>: a lock-free queue plus a semaphore of publish slots.</summary>
public sealed class PublishMessageQueue : IMessageQueue, IBoundedMessageQueueSemantics
{
    private static readonly long LogEvery = Stopwatch.Frequency; // one second
    private readonly ConcurrentQueue<Envelope> _queue = new();
    private readonly SemaphoreSlim _slots;
    private readonly PushMetrics _metrics;
    private readonly ILoggingAdapter _log;
    private long _lastLogged = -LogEvery;

    internal PublishMessageQueue(int capacity, TimeSpan pushTimeout, PushMetrics metrics, ILoggingAdapter log)
    {
        _slots = new SemaphoreSlim(capacity, capacity);
        PushTimeOut = pushTimeout;
        _metrics = metrics;
        _log = log;
    }

    public TimeSpan PushTimeOut { get; set; }

    public bool HasMessages => !_queue.IsEmpty;

    public int Count => _queue.Count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        if (envelope.Message is Publish && !_slots.Wait(PushTimeOut))
        {
            Dropped();
            return;
        }

        _queue.Enqueue(envelope);
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (!_queue.TryDequeue(out envelope))
            return false;
        if (envelope.Message is Publish)
            _slots.Release();
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
            deadletters.Enqueue(owner, envelope);
    }

    private void Dropped()
    {
        var total = _metrics.PublishDropped();
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastLogged);
        if (now - last >= LogEvery && Interlocked.CompareExchange(ref _lastLogged, now, last) == last)
            _log.Warning("Broadcast mailbox full: publish dropped ({0} dropped since start)", total);
    }
}
