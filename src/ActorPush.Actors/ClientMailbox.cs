using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors;

/// <summary>
/// The ClientActors' mailbox: lean, because there is one per connection and most connections are idle.
/// Akka's default queue (a ConcurrentQueue) allocates a 32-slot segment up front, about 1 KB per actor;
/// this one holds one message inline and allocates a queue only when messages pile up behind it, then
/// gives a burst's array back once the burst is over.
///
/// Frames waiting here are bounded: at most <c>mailbox-capacity</c> frame messages and
/// <c>mailbox-max-bytes</c> of their cost (<see cref="OutboundGauge.Cost"/>), and they count in the
/// node's <see cref="OutboundGauge"/>; a single frame always fits into an empty mailbox. A frame that does
/// not fit is dropped, the queue marks itself overflowed and queues a <see cref="MailboxOverflowed"/> in its
/// place: its ClientActor then closes the connection as a slow consumer (4008) at once, so no reader ever
/// silently misses a frame. Other messages (attach, close, join) are never refused.
/// </summary>
public sealed class ClientMailbox : MailboxType, IProducesMessageQueue<ClientMessageQueue>
{
    private readonly ClientMessageQueue.Bounds _bounds;
    private ClientMessageQueue.Bounds? _counted; // _bounds with the actor system's gauge, made once

    public ClientMailbox(Akka.Actor.Settings settings, Config config) : base(settings, config)
    {
        var capacity = config.HasPath("mailbox-capacity") ? config.GetInt("mailbox-capacity") : int.MaxValue;
        var maxBytes = config.HasPath("mailbox-max-bytes") ? config.GetByteSize("mailbox-max-bytes") ?? long.MaxValue : long.MaxValue;
        if (capacity < 1 || maxBytes < 1)
            throw new ArgumentException("mailbox-capacity and mailbox-max-bytes must be at least 1", nameof(config));
        _bounds = new ClientMessageQueue.Bounds(capacity, maxBytes);
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) =>
        new ClientMessageQueue(_counted ??= _bounds with { Gauge = OutboundGauge.Get(system) });
}

/// <summary>
/// The queue behind <see cref="ClientMailbox"/>: the oldest message sits in a field, the rest (if any)
/// in a queue made on the first pile-up. An idle connection's actor, which sees one message now and
/// then, never allocates one. Senders and the actor take one short lock on the queue object itself
/// (it is never exposed to code that could lock it too).
/// </summary>
public sealed class ClientMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private const int TrimAbove = 16;
    private readonly Bounds _bounds;
    private Envelope _head; // valid while _count > 0
    private Queue<Envelope>? _behind;
    private int _count;
    private int _frames; // frame messages queued, counted against the capacity
    private long _bytes; // their cost

    public ClientMessageQueue() : this(Bounds.Unbounded)
    {
    }

    internal ClientMessageQueue(Bounds bounds) => _bounds = bounds;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    /// <summary>A frame did not fit and was dropped: the connection must be closed as a slow consumer.</summary>
    public bool Overflowed { get; private set; }

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        var cost = CostOf(envelope.Message);
        lock (this)
        {
            if (cost > 0)
            {
                // One frame always fits into an empty mailbox (a message up to max-message-size must reach a
                // reader that keeps up, whatever mailbox-max-bytes says); behind others, the bounds apply.
                if (_frames >= _bounds.Capacity || (_frames > 0 && _bytes + cost > _bounds.MaxBytes))
                {
                    if (Overflowed)
                        return;
                    Overflowed = true;
                    // The dropped frame may be the last message for a while: queue a wake-up in its place so the
                    // actor runs and closes the connection now instead of at some later frame.
                    envelope = new Envelope(MailboxOverflowed.Instance, ActorRefs.NoSender);
                    cost = 0;
                }
                else
                {
                    _frames++;
                    _bytes += cost;
                }
            }

            if (_count == 0)
                _head = envelope;
            else
                (_behind ??= new Queue<Envelope>()).Enqueue(envelope);
            Volatile.Write(ref _count, _count + 1);
        }

        if (cost > 0)
            _bounds.Gauge?.Add(cost);
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            envelope = default;
            return false;
        }

        long cost;
        lock (this)
        {
            if (_count == 0)
            {
                envelope = default;
                return false;
            }

            envelope = _head;
            if (_behind is { Count: > 0 } behind)
            {
                _head = behind.Dequeue();
                if (behind.Count == 0 && behind.EnsureCapacity(0) > TrimAbove)
                    _behind = null; // a burst is over: an idle connection keeps no large array
            }
            else
            {
                _head = default; // let the message go
            }

            Volatile.Write(ref _count, _count - 1);
            cost = CostOf(envelope.Message);
            if (cost > 0)
            {
                _frames--;
                _bytes -= cost;
            }
        }

        if (cost > 0)
            _bounds.Gauge?.Add(-cost);
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
            deadletters.Enqueue(owner, envelope);
    }

    private static long CostOf(object message) => message switch
    {
        OutboundFrame frame => OutboundGauge.Cost(frame),
        FrameBatch batch => batch.Cost,
        _ => 0,
    };

    /// <summary>The limits every queue of one mailbox type shares, and the node's gauge they count in.</summary>
    internal sealed record Bounds(int Capacity, long MaxBytes, OutboundGauge? Gauge = null)
    {
        public static readonly Bounds Unbounded = new(int.MaxValue, long.MaxValue);
    }
}

/// <summary>Queued by <see cref="ClientMessageQueue"/> in place of the first frame it had to drop: close as a slow consumer.</summary>
public sealed class MailboxOverflowed : INoSerializationVerificationNeeded
{
    public static readonly MailboxOverflowed Instance = new();

    private MailboxOverflowed()
    {
    }
}
