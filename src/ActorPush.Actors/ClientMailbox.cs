using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorPush.Actors;

/// <summary>
/// The ClientActors' mailbox: unbounded like Akka's default, but lean, because there is one per
/// connection and most connections are idle. Akka's default queue (a ConcurrentQueue) allocates a
/// 32-slot segment up front, about 1 KB per actor; this one starts with empty arrays and grows only as
/// messages arrive, and gives a burst's array back once the burst is over.
/// </summary>
public sealed class ClientMailbox : MailboxType, IProducesMessageQueue<ClientMessageQueue>
{
    public ClientMailbox(Akka.Actor.Settings settings, Config config) : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new ClientMessageQueue();
}

/// <summary>
/// The queue behind <see cref="ClientMailbox"/>, double-buffered: senders append to an incoming queue
/// under a short lock; the actor takes the whole incoming queue in one swap when its own runs dry and
/// then dequeues without locking, so the sender and the actor contend once per batch, not per message.
/// </summary>
public sealed class ClientMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private const int TrimAbove = 16;
    private Queue<Envelope> _incoming = new(); // guarded by _gate
    private Queue<Envelope> _draining = new(); // only the actor's thread touches it
    private readonly object _gate = new();
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_gate)
            _incoming.Enqueue(envelope);
        Interlocked.Increment(ref _count);
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (_draining.Count == 0)
        {
            if (Volatile.Read(ref _count) == 0)
            {
                envelope = default;
                return false;
            }

            lock (_gate)
                (_incoming, _draining) = (_draining, _incoming);
        }

        if (!_draining.TryDequeue(out envelope))
            return false;
        Interlocked.Decrement(ref _count);
        if (_draining.Count == 0 && _draining.EnsureCapacity(0) > TrimAbove)
            _draining.TrimExcess(); // a burst is over: an idle connection keeps no large array
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
            deadletters.Enqueue(owner, envelope);
    }
}
