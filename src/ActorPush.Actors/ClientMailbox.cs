using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorPush.Actors;

/// <summary>
/// The ClientActors' mailbox: unbounded like Akka's default, but lean, because there is one per
/// connection and most connections are idle. Akka's default queue (a ConcurrentQueue) allocates a
/// 32-slot segment up front, about 1 KB per actor; this one holds one message inline and allocates a
/// queue only when messages pile up behind it, then gives a burst's array back once the burst is over.
/// </summary>
public sealed class ClientMailbox : MailboxType, IProducesMessageQueue<ClientMessageQueue>
{
    public ClientMailbox(Akka.Actor.Settings settings, Config config) : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new ClientMessageQueue();
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
    private Envelope _head; // valid while _count > 0
    private Queue<Envelope>? _behind;
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (this)
        {
            if (_count == 0)
                _head = envelope;
            else
                (_behind ??= new Queue<Envelope>()).Enqueue(envelope);
            Volatile.Write(ref _count, _count + 1);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            envelope = default;
            return false;
        }

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
            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
            deadletters.Enqueue(owner, envelope);
    }
}
