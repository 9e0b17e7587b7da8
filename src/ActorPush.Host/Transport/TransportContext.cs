using Akka.Actor;
using ActorPush.Actors;
using ActorPush.Actors.Metrics;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Sessions;

namespace ActorPush.Host.Transport;

/// <summary>
/// What every <see cref="PushWebSocket"/> shares: the settings, the node's <see cref="OutboundGauge"/>,
/// the publishers' <see cref="FanOutPressure"/> and the node-wide outbound cap. One reference per
/// connection instead of one per concern. The actor-system parts are attached with the first session
/// (before any connection can queue a frame).
/// </summary>
internal sealed class TransportContext(ActorPushSettings settings, ConnectionTracker tracker)
{
    // Only a connection whose own queue is this large asks whether the node is over its cap: the sum over
    // the gauge's stripes is then not paid for every small delivery.
    private const long CapCheckAbove = 64 * 1024;

    private PushMetrics? _metrics;

    public ActorPushSettings Settings { get; } = settings;

    public OutboundGauge Gauge { get; private set; } = new();

    /// <summary>The node's counters; null until the first session attached the actor system.</summary>
    public PushMetrics? Metrics => _metrics;

    /// <summary>Null when backpressure is off, or client messages are not published.</summary>
    public FanOutPressure? Pressure { get; private set; }

    /// <summary>Connects the transport to the actor system the sessions run in; later calls are no-ops.</summary>
    public void Attach(ClientSessionContext sessions)
    {
        lock (this)
        {
            if (_metrics is not null)
                return;
            Gauge = OutboundGauge.Get(sessions.System);
            if (Settings.Backpressure && Settings.Publish == PublishMode.Broadcast)
                Pressure = new FanOutPressure(Gauge, BroadcastBacklog(sessions.System), tracker, Settings);
            _metrics = PushMetrics.Get(sessions.System);
        }
    }

    /// <summary>A connection queued <paramref name="added"/> bytes and now holds <paramref name="queued"/>: counts them, and enforces the node's cap.</summary>
    public void Queued(long added, long queued)
    {
        Gauge.Add(added);
        var cap = Settings.MaxOutboundBytes;
        if (cap > 0 && queued >= CapCheckAbove && Gauge.Total is var total && total > cap)
            tracker.ShedLargest(total, cap / 4 * 3, Cut);
    }

    private void Cut(PushWebSocket connection)
    {
        _metrics?.SlowConsumerDisconnected();
        connection.Close(CloseCodes.SlowConsumer, CloseCodes.Reasons.OutboundLimit);
    }

    // The bytes of publishes waiting in the BroadcastActor's mailbox, as its admission gate counts them (0 before it started).
    private static Func<long> BroadcastBacklog(ActorSystem system)
    {
        var admission = BroadcastAdmission.Get(system);
        return () => admission.Gate?.Bytes ?? 0;
    }
}
