using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// The BroadcastActor's mailbox, bounded through its <see cref="PublishGate"/>: only <see cref="Publish"/> messages
/// count, in number (<c>mailbox-capacity</c>) and in bytes (<c>mailbox-capacity-bytes</c>); membership messages
/// (<see cref="AddRecipient"/>, <see cref="RemoveRecipient"/>) always enter, so the recipient set stays correct
/// under any load. Nothing that enters is ever dropped: the bound is enforced at admission, where the API's
/// publishes reserve their room and are refused (503) when there is none, and client publishers are slowed by
/// backpressure reading the gate's depth.
/// </summary>
public sealed class PublishMailbox : MailboxType, IProducesMessageQueue<PublishMessageQueue>
{
    private readonly int _capacity;
    private readonly long _capacityBytes;

    public PublishMailbox(Akka.Actor.Settings settings, Config config) : base(settings, config)
    {
        _capacity = config.GetInt("mailbox-capacity");
        _capacityBytes = config.GetByteSize("mailbox-capacity-bytes") ?? long.MaxValue;
        if (_capacity < 1)
            throw new ArgumentException("mailbox-capacity must be at least 1", nameof(config));
    }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system)
    {
        var gate = new PublishGate(_capacity, _capacityBytes);
        var queue = new PublishMessageQueue(gate);
        if (owner is not null && !owner.IsNobody())
        {
            BroadcastAdmission.Get(system).Gate = gate; // the BroadcastActor's: the fan-out entry admits through it
            PushMetrics.Get(system).BroadcastMailboxDepth = () => queue.Count; // read when metrics are collected
        }

        return queue;
    }
}

/// <summary>The queue behind <see cref="PublishMailbox"/>: a lock-free queue whose publishes the gate counts.</summary>
public sealed class PublishMessageQueue(PublishGate gate) : IMessageQueue, IBoundedMessageQueueSemantics
{
    private readonly ConcurrentQueue<Envelope> _queue = new();

    public PublishGate Gate => gate;

    /// <summary>No publisher ever waits here: admission answers at once.</summary>
    public TimeSpan PushTimeOut { get; set; } = TimeSpan.Zero;

    public bool HasMessages => !_queue.IsEmpty;

    public int Count => _queue.Count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        if (envelope.Message is Publish { Reserved: false } publish)
            gate.Enter(publish.Frame.Payload.Length);
        _queue.Enqueue(envelope);
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (!_queue.TryDequeue(out envelope))
            return false;
        if (envelope.Message is Publish publish)
            gate.Leave(publish.Frame.Payload.Length);
        return true;
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope))
            deadletters.Enqueue(owner, envelope);
    }
}
