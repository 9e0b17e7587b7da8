using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorPush.Actors;

/// <summary>
/// The ClientActors' mailbox: unbounded like Akka's default, but lean, because there is one per
/// connection and most connections are idle. Akka's default queue (a ConcurrentQueue) allocates a
/// 32-slot segment up front, about 1 KB per actor; this one starts with an empty array and grows only
/// as messages arrive. The ClientActor keeps its own queue short (frames go straight on to the
/// connection's byte-bounded queue), so a lock held for an enqueue or a dequeue is uncontended in practice.
/// </summary>
public sealed class ClientMailbox : MailboxType, IProducesMessageQueue<ClientMessageQueue>
{
    public ClientMailbox(Akka.Actor.Settings settings, Config config) : base(settings, config)
    {
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new ClientMessageQueue();
}

/// <summary>The queue behind <see cref="ClientMailbox"/>: a <see cref="Queue{T}"/> under a lock.</summary>
public sealed class ClientMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private const int TrimAbove = 16;
    private readonly Queue<Envelope> _queue = new();
    private int _count;
    private bool _grown;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_queue)
        {
            _queue.Enqueue(envelope);
            _count = _queue.Count;
            _grown |= _count > TrimAbove;
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (_queue)
        {
            var found = _queue.TryDequeue(out envelope);
            _count = _queue.Count;
            if (_count == 0 && _grown)
            {
                // A burst is over: give its array back, so an idle connection holds no large buffer.
                _queue.TrimExcess();
                _grown = false;
            }

            return found;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
            deadletters.Enqueue(owner, envelope);
    }
}
