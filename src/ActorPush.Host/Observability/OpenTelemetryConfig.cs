using Akka.Actor;
using ActorPush.Actors.Metrics;
using ActorPush.Host.Configuration;
using ActorPush.Host.Api;
using ActorPush.Host.Transport;
using OpenTelemetry.Metrics;

namespace ActorPush.Host.Observability;

/// <summary>
/// The OpenTelemetry wiring, in one place: a MeterProvider that listens to ActorPush's meter
/// (<see cref="PushMetrics.MeterName"/>), the .NET runtime (GC, thread pool, JIT) and Kestrel's own meter, and exports
/// them in Prometheus text format at <c>GET /metrics</c>. Who may scrape follows the <c>/api</c> rule
/// (<see cref="ApiAccess"/>, applied in ActorPushServer) unless <c>actorpush.metrics.public = on</c>. With <c>actorpush.metrics.enabled = off</c>
/// none of this is registered: no listener, so the meter's instruments cost nothing and /metrics is 404.
/// </summary>
internal static class OpenTelemetryConfig
{
    /// <summary>Kestrel's built-in meter: connections (active, queued, duration), TLS handshakes, upgrades.</summary>
    public const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>
    /// Kestrel's connection-duration histogram, not exported: while a listener enables it, Kestrel keeps a tags feature
    /// and its list on every connection (56 bytes per idle WebSocket, counted in a heap snapshot of 10,000). How
    /// connections end is in <c>actorpush_disconnects_total</c> instead.
    /// </summary>
    public const string KestrelConnectionDuration = "kestrel.connection.duration";

    /// <summary>
    /// Most series one metric keeps. OpenTelemetry allocates a metric's points up front, 2,000 by default (about 144 KiB
    /// per metric, 6.9 MiB for the 48 this node exports, allocated when each first records); no metric here has more than
    /// a dozen series (statuses, close codes, GC generations, member states), so 100 leaves room and costs about 7 KiB each.
    /// </summary>
    public const int MaxSeriesPerMetric = 100;

    public const string MetricsPath = "/metrics";

    public static void AddPushMetrics(this WebApplicationBuilder builder, ActorPushSettings settings)
    {
        if (!settings.MetricsEnabled)
            return;
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(PushMetrics.MeterName, KestrelMeter)
            .AddView(instrument => instrument.Meter.Name == KestrelMeter && instrument.Name == KestrelConnectionDuration
                ? MetricStreamConfiguration.Drop
                : new MetricStreamConfiguration { CardinalityLimit = MaxSeriesPerMetric })
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        builder.Services.AddHostedService<MetricsSources>();
    }

    /// <summary>Maps the scrape endpoint; who may call it is decided before, by ApiAccess (see ActorPushServer).</summary>
    public static void MapPushMetrics(this WebApplication app, ActorPushSettings settings)
    {
        if (settings.MetricsEnabled)
            app.MapPrometheusScrapingEndpoint(MetricsPath);
    }

    /// <summary>
    /// Hands the meter the gauges only the Host can compute, read when a scraper collects (never on the hot path):
    /// readiness, open WebSocket and TCP connections (the <see cref="AcceptCap"/>) and bytes queued for sockets (the <see cref="ConnectionTracker"/>). Starts after the
    /// actor system (hosted services start in the order they were added).
    /// </summary>
    private sealed class MetricsSources(IServiceProvider services, ConnectionTracker tracker, AcceptCap cap, Readiness readiness) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var metrics = PushMetrics.Get(services.GetRequiredService<ActorSystem>());
            metrics.OpenConnections = () => tracker.Count;
            metrics.TcpConnections = () => cap.Open;
            metrics.QueuedBytes = tracker.QueuedBytes;
            metrics.Ready = () => readiness.NotReadyBecause() is null;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
