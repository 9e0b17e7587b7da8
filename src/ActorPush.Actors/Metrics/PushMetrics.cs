using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka.Actor;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Metrics;

/// <summary>
/// Node-wide counters, one instance per actor system (an Akka extension), and the source of ActorPush's
/// <see cref="System.Diagnostics.Metrics.Meter"/> (<see cref="MeterName"/>). Writers use <see cref="Interlocked"/> on
/// plain fields (no lock, no allocation); the meter's observable instruments read those fields when a scraper
/// collects, and <c>/api/stats</c> reads them too, so both always agree. Only the two histograms are recorded
/// as things happen, once per batch or socket write, never per recipient. Gauges that only the Host can
/// compute (open connections, bytes queued for sockets, cluster members) are callbacks the Host registers.
/// docs/operations.md lists every instrument and its Prometheus name.
/// </summary>
public sealed class PushMetrics : IExtension, IDisposable
{
    /// <summary>Name of ActorPush's meter: what an OpenTelemetry MeterProvider must listen to.</summary>
    public const string MeterName = "ActorPush";

    /// <summary>HOCON key that turns the meter's recording on the hot path (and the /metrics endpoint) on or off.</summary>
    public const string EnabledKey = "actorpush.metrics.enabled";

    /// <summary>Handshake outcomes counted by status; anything else counts as "other".</summary>
    public static readonly int[] HandshakeStatuses = [101, 400, 401, 403, 404, 426, 429, 431, 503];

    /// <summary>Close codes counted by code; anything else counts as "other", a connection torn down without a close as "abort".</summary>
    public static readonly ushort[] DisconnectCodes =
    [
        CloseCodes.Normal, CloseCodes.GoingAway, CloseCodes.ProtocolError, CloseCodes.InvalidPayload, CloseCodes.MessageTooBig,
        CloseCodes.InternalError, CloseCodes.Kicked, CloseCodes.SlowConsumer, CloseCodes.RateLimited,
    ];

    private static readonly KeyValuePair<string, object?>[] HandshakeTags =
        [.. HandshakeStatuses.Select(status => Tag("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture))), Tag("status", "other")];

    private static readonly KeyValuePair<string, object?>[] DisconnectTags =
        [.. DisconnectCodes.Select(code => Tag("code", code.ToString(System.Globalization.CultureInfo.InvariantCulture))), Tag("code", "other"), Tag("code", "abort")];

    private static readonly KeyValuePair<string, object?> SourceClient = Tag("source", "client");
    private static readonly KeyValuePair<string, object?> SourceApi = Tag("source", "api");

    private readonly Meter _meter;
    private long _messagesIn;
    private long _messagesOut;
    private long _publishesDropped;
    private long _clientFramesDiscarded;
    private long _slowConsumerDisconnects;
    private long _rateLimitDisconnects;
    private long _subscriptionsRefused;
    private long _clientMessages;
    private long _apiMessages;
    private long _apiPublishesRefused;
    private long _deliveries;
    private long _socketBytes;
    private long _memoryTrims;
    private long _users;
    private readonly long[] _handshakes = new long[HandshakeStatuses.Length + 1];
    private readonly long[] _disconnects = new long[DisconnectCodes.Length + 2];

    public PushMetrics(bool enabled)
    {
        Enabled = enabled;
        _meter = new Meter(MeterName, typeof(PushMetrics).Assembly.GetName().Version?.ToString(3));
        _meter.CreateObservableGauge("actorpush.connections", () => OpenConnections?.Invoke() ?? 0, "{connection}",
            "WebSocket connections open on this node");
        _meter.CreateObservableGauge("actorpush.tcp.connections", () => TcpConnections?.Invoke() ?? 0, "{connection}",
            "TCP connections this node holds: WebSockets, handshakes under way and HTTP connections (what the accept cap counts)");
        _meter.CreateObservableGauge("actorpush.ready", () => Ready?.Invoke() == true ? 1 : 0, "{node}",
            "1 while this node answers /readyz with 200 (started, joined, not stopping), else 0");
        _meter.CreateObservableGauge("actorpush.users", () => Volatile.Read(ref _users), "{user}",
            "Distinct users with at least one connection on this node");
        _meter.CreateObservableCounter("actorpush.handshakes", () => Measure(_handshakes, HandshakeTags), "{handshake}",
            "WebSocket handshakes on /im by outcome: status 101 (accepted) or the refusal's HTTP status");
        _meter.CreateObservableCounter("actorpush.messages.in", () => MessagesInBySource(), "{message}",
            "Messages received for delivery, by source: client (a WebSocket frame) or api (an /api push)");
        _meter.CreateObservableCounter("actorpush.deliveries", () => Volatile.Read(ref _deliveries), "{frame}",
            "Data frames handed to sockets (written into a connection's transport pipe)");
        _meter.CreateObservableCounter("actorpush.socket.sent", () => Volatile.Read(ref _socketBytes), "By",
            "Bytes of data frames handed to sockets");
        _meter.CreateObservableCounter("actorpush.disconnects", () => Measure(_disconnects, DisconnectTags), "{connection}",
            "Ended WebSocket connections by the close code this side sent or echoed; abort: torn down without a close");
        _meter.CreateObservableCounter("actorpush.publishes.dropped", () => PublishesDropped, "{message}",
            "Publishes dropped because the broadcast mailbox was full");
        _meter.CreateObservableCounter("actorpush.api.publishes.refused", () => Volatile.Read(ref _apiPublishesRefused), "{request}",
            "API pushes answered 503 because the node could not take them");
        _meter.CreateObservableCounter("actorpush.client.frames.discarded", () => ClientFramesDiscarded, "{message}",
            "Client frames dropped because actorpush.client.publish = off");
        _meter.CreateObservableCounter("actorpush.subscriptions.refused", () => SubscriptionsRefused, "{subscription}",
            "Server-side subscriptions ignored because the connection had actorpush.client.max-topics topics");
        _meter.CreateObservableGauge("actorpush.broadcast.mailbox.depth", () => BroadcastMailboxDepth?.Invoke() ?? 0, "{message}",
            "Messages waiting in the broadcast actor's mailbox");
        _meter.CreateObservableGauge("actorpush.socket.queued", () => QueuedBytes?.Invoke() ?? 0, "By",
            "Bytes of frames queued for sockets and not yet handed to them, all connections together");
        _meter.CreateObservableCounter("actorpush.memory.trims", () => Volatile.Read(ref _memoryTrims), "{trim}",
            "Full compacting collections run after a burst (actorpush.memory.trim)");
        _meter.CreateObservableGauge("actorpush.cluster.members", () => MeasureClusterMembers(), "{node}",
            "Cluster members by status, as this node sees them (absent when not clustered)");
        _meter.CreateObservableCounter("actorpush.cluster.outbox.dropped", () => MeasureCluster(cluster => cluster.OutboxDropped), "{message}",
            "Pushes and commands for another node dropped because its outbox was full (absent when not clustered)");
        _meter.CreateObservableCounter("actorpush.cluster.sent.batches", () => MeasureCluster(cluster => cluster.BatchesSent), "{batch}",
            "Batches sent to other nodes (absent when not clustered)");
        _meter.CreateObservableCounter("actorpush.cluster.sent.items", () => MeasureCluster(cluster => cluster.ItemsSent), "{message}",
            "Pushes and commands in those batches: one per publish per other node (absent when not clustered)");
        _meter.CreateObservableCounter("actorpush.cluster.sent", () => MeasureCluster(cluster => cluster.BytesSent), "By",
            "Serialized bytes of those batches, without Akka.Remote's envelope (absent when not clustered)");
        FanoutLatency = _meter.CreateHistogram("actorpush.fanout.latency", "s",
            "From publish (the frame was made) to the frame handed to a socket; one sample per socket write, for its oldest frame",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        BatchSize = _meter.CreateHistogram("actorpush.broadcast.batch.size", "{frame}",
            "Frames the broadcast actor sent to every recipient in one fan-out",
            tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
    }

    public static PushMetrics Get(ActorSystem system) => system.WithExtension<PushMetrics, PushMetricsProvider>();

    /// <summary>
    /// Whether the hot path records (<c>actorpush.metrics.enabled</c>): when off, the send pump skips its counters
    /// and the Host serves no /metrics; the counters <c>/api/stats</c> shows are kept either way.
    /// </summary>
    public bool Enabled { get; }

    /// <summary>The meter itself (for tests and for any other exporter).</summary>
    public Meter Meter => _meter;

    /// <summary>Fan-out latency in seconds; recorded by the transport once per socket write.</summary>
    public Histogram<double> FanoutLatency { get; }

    /// <summary>Frames per broadcast fan-out.</summary>
    public Histogram<int> BatchSize { get; }

    /// <summary>Whether the node is ready for traffic (what /readyz answers), registered by the Host.</summary>
    public Func<bool>? Ready { get; set; }

    /// <summary>Open connections, registered by the Host (its connection tracker).</summary>
    public Func<long>? OpenConnections { get; set; }

    /// <summary>TCP connections held, registered by the Host (its accept cap).</summary>
    public Func<long>? TcpConnections { get; set; }

    /// <summary>Bytes queued for sockets, registered by the Host (read at collection time, nothing on the hot path).</summary>
    public Func<long>? QueuedBytes { get; set; }

    /// <summary>Broadcast mailbox depth, registered by the broadcast mailbox.</summary>
    public Func<long>? BroadcastMailboxDepth { get; set; }

    /// <summary>
    /// Cluster members by status (for example "up" = 3, "unreachable" = 1), registered by the cluster code. Called at
    /// collection time; null (the default) exports no series. See docs/operations.md.
    /// </summary>
    public Func<IEnumerable<KeyValuePair<string, long>>>? ClusterMembers { get; set; }

    /// <summary>This node's cluster traffic counters, registered by the cluster code; null (the default) exports no series.</summary>
    public Cluster.ClusterCounters? ClusterTraffic { get; set; }

    /// <summary>Messages accepted for fan-out (from clients or the server side).</summary>
    public long MessagesIn => Volatile.Read(ref _messagesIn);

    /// <summary>Frames handed to recipients' actors (told, not yet on a socket: see <see cref="Deliveries"/>).</summary>
    public long MessagesOut => Volatile.Read(ref _messagesOut);

    /// <summary>Data frames handed to sockets (counted only while <see cref="Enabled"/>).</summary>
    public long Deliveries => Volatile.Read(ref _deliveries);

    /// <summary>Bytes of data frames handed to sockets (counted only while <see cref="Enabled"/>).</summary>
    public long SocketBytes => Volatile.Read(ref _socketBytes);

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

    /// <summary>A client sent a whole message.</summary>
    public void ClientMessageReceived() => Interlocked.Increment(ref _clientMessages);

    /// <summary>An /api push was accepted.</summary>
    public void ApiMessageReceived() => Interlocked.Increment(ref _apiMessages);

    /// <summary>An /api push was refused with 503 (the publish admission gate).</summary>
    public void ApiPublishRefused() => Interlocked.Increment(ref _apiPublishesRefused);

    public void MemoryTrimmed() => Interlocked.Increment(ref _memoryTrims);

    /// <summary>The registry's count of distinct users changed.</summary>
    public void SetUsers(int users) => Volatile.Write(ref _users, users);

    /// <summary>A handshake on /im ended with <paramref name="status"/> (101: accepted).</summary>
    public void Handshake(int status)
    {
        var index = Array.IndexOf(HandshakeStatuses, status);
        Interlocked.Increment(ref _handshakes[index < 0 ? HandshakeStatuses.Length : index]);
    }

    /// <summary>A connection ended with close code <paramref name="code"/>, or without a close when <paramref name="aborted"/>.</summary>
    public void Disconnected(ushort code, bool aborted)
    {
        var index = aborted ? DisconnectCodes.Length + 1 : Array.IndexOf(DisconnectCodes, code);
        Interlocked.Increment(ref _disconnects[index < 0 ? DisconnectCodes.Length : index]);
    }

    /// <summary>Handshakes that ended with <paramref name="status"/> so far.</summary>
    public long Handshakes(int status)
    {
        var index = Array.IndexOf(HandshakeStatuses, status);
        return Volatile.Read(ref _handshakes[index < 0 ? HandshakeStatuses.Length : index]);
    }

    /// <summary>
    /// The transport handed <paramref name="frames"/> data frames of <paramref name="bytes"/> bytes to a socket in one
    /// write; <paramref name="oldestPublished"/> is the <see cref="Stopwatch"/> timestamp of the oldest of them.
    /// Called once per socket write, not per frame.
    /// </summary>
    public void SentToSocket(int frames, long bytes, long oldestPublished)
    {
        Interlocked.Add(ref _deliveries, frames);
        Interlocked.Add(ref _socketBytes, bytes);
        if (FanoutLatency.Enabled)
            FanoutLatency.Record(Stopwatch.GetElapsedTime(oldestPublished).TotalSeconds);
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> MessagesInBySource() =>
    [
        new(Volatile.Read(ref _clientMessages), SourceClient),
        new(Volatile.Read(ref _apiMessages), SourceApi),
    ];

    private static IEnumerable<Measurement<long>> Measure(long[] counters, KeyValuePair<string, object?>[] tags)
    {
        var measurements = new Measurement<long>[counters.Length];
        for (var i = 0; i < counters.Length; i++)
            measurements[i] = new Measurement<long>(Volatile.Read(ref counters[i]), tags[i]);
        return measurements;
    }

    private IEnumerable<Measurement<long>> MeasureClusterMembers()
    {
        if (ClusterMembers?.Invoke() is not { } members)
            return [];
        return [.. members.Select(member => new Measurement<long>(member.Value, Tag("status", member.Key)))];
    }

    private IEnumerable<Measurement<long>> MeasureCluster(Func<Cluster.ClusterCounters, long> read) =>
        ClusterTraffic is { } cluster ? [new Measurement<long>(read(cluster))] : [];

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}

public sealed class PushMetricsProvider : ExtensionIdProvider<PushMetrics>
{
    public override PushMetrics CreateExtension(ExtendedActorSystem system)
    {
        var config = system.Settings.Config;
        var metrics = new PushMetrics(!config.HasPath(PushMetrics.EnabledKey) || config.GetBoolean(PushMetrics.EnabledKey));
        system.RegisterOnTermination(metrics.Dispose);
        return metrics;
    }
}
