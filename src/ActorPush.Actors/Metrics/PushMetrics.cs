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
    private long _rateLimitDisconnects;
    private long _subscriptionsRefused;

    public static PushMetrics Get(ActorSystem system) => system.WithExtension<PushMetrics, PushMetricsProvider>();

    /// <summary>Messages accepted for fan-out (from clients or the server side).</summary>
    public long MessagesIn => Volatile.Read(ref _messagesIn);

    /// <summary>Frames handed to recipients' outbound queues.</summary>
    public long MessagesOut => Volatile.Read(ref _messagesOut);

    /// <summary>Broadcasts refused at admission (API 503) because the BroadcastActor's mailbox was full; nothing admitted is dropped.</summary>
    public long PublishesDropped => Volatile.Read(ref _publishesDropped);

    /// <summary>Client frames counted and dropped because <c>actorpush.client.publish = off</c>.</summary>
    public long ClientFramesDiscarded => Volatile.Read(ref _clientFramesDiscarded);

    /// <summary>Connections closed with 4008 because their outbound queue passed the limit.</summary>
    public long SlowConsumerDisconnects => Volatile.Read(ref _slowConsumerDisconnects);

    /// <summary>Connections closed with 4029 because they sent faster than <c>actorpush.client.rate-limit</c>.</summary>
    public long RateLimitDisconnects => Volatile.Read(ref _rateLimitDisconnects);

    /// <summary>Server-side subscriptions ignored because the connection already had <c>actorpush.client.max-topics</c> topics.</summary>
    public long SubscriptionsRefused => Volatile.Read(ref _subscriptionsRefused);

    public void MessageIn() => Interlocked.Increment(ref _messagesIn);

    public void MessagesDelivered(int count) => Interlocked.Add(ref _messagesOut, count);

    public long PublishRefused() => Interlocked.Increment(ref _publishesDropped);

    public void ClientFrameDiscarded() => Interlocked.Increment(ref _clientFramesDiscarded);

    public void SlowConsumerDisconnected() => Interlocked.Increment(ref _slowConsumerDisconnects);

    public void RateLimitDisconnected() => Interlocked.Increment(ref _rateLimitDisconnects);

    public void SubscriptionRefused() => Interlocked.Increment(ref _subscriptionsRefused);
}

public sealed class PushMetricsProvider : ExtensionIdProvider<PushMetrics>
{
    public override PushMetrics CreateExtension(ExtendedActorSystem system) => new();
}
