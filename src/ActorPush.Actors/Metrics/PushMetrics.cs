using Akka.Actor;

namespace ActorPush.Actors.Metrics;

/// <summary>
/// Node-wide counters, one instance per actor system (an Akka extension). Writers use
/// <see cref="Interlocked"/>; readers get a consistent-enough snapshot for stats and tests.
/// </summary>
public sealed class PushMetrics : IExtension
{
    private long _messagesIn;
    private long _messagesOut;
    private long _publishesDropped;
    private long _clientFramesDiscarded;
    private long _slowConsumerDisconnects;

    public static PushMetrics Get(ActorSystem system) => system.WithExtension<PushMetrics, PushMetricsProvider>();

    /// <summary>Messages accepted for fan-out (from clients or the server side).</summary>
    public long MessagesIn => Volatile.Read(ref _messagesIn);

    /// <summary>Frames handed to recipients' outbound queues.</summary>
    public long MessagesOut => Volatile.Read(ref _messagesOut);

    /// <summary>Publishes dropped because the BroadcastActor's bounded mailbox was full.</summary>
    public long PublishesDropped => Volatile.Read(ref _publishesDropped);

    /// <summary>Client frames counted and dropped because <c>actorpush.client.publish = off</c>.</summary>
    public long ClientFramesDiscarded => Volatile.Read(ref _clientFramesDiscarded);

    /// <summary>Connections closed with 4008 because their outbound queue passed the limit.</summary>
    public long SlowConsumerDisconnects => Volatile.Read(ref _slowConsumerDisconnects);

    public void MessageIn() => Interlocked.Increment(ref _messagesIn);

    public void MessagesDelivered(int count) => Interlocked.Add(ref _messagesOut, count);

    public long PublishDropped() => Interlocked.Increment(ref _publishesDropped);

    public void ClientFrameDiscarded() => Interlocked.Increment(ref _clientFramesDiscarded);

    public void SlowConsumerDisconnected() => Interlocked.Increment(ref _slowConsumerDisconnects);
}

public sealed class PushMetricsProvider : ExtensionIdProvider<PushMetrics>
{
    public override PushMetrics CreateExtension(ExtendedActorSystem system) => new();
}
