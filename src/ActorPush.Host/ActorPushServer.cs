using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Actors.Cluster;
using ActorPush.Host.Cluster;
using ActorPush.Actors.Settings;
using ActorPush.Host.Access;
using ActorPush.Host.Api;
using ActorPush.Host.Configuration;
using ActorPush.Host.Handshake;
using ActorPush.Host.Memory;
using ActorPush.Host.Pages;
using ActorPush.Host.Observability;
using ActorPush.Host.Transport;
using ActorPush.Host.Transport.Sockets;
using ActorPush.Host.WebSockets;

namespace ActorPush.Host;

/// <summary>
/// Composes the server in one place: configuration, the actor system with the push actors, Kestrel,
/// and the endpoints. <c>Program</c> runs it; the wire tests start the very same app on a free port.
/// </summary>
public static class ActorPushServer
{
    public const string DefaultUrl = "http://0.0.0.0:23333";

    /// <param name="args">Command line: ASP.NET Core's (<c>--urls</c>, ...) plus <c>--config /path/extra.conf</c>.</param>
    /// <param name="overrideHocon">HOCON that wins over every file (tests use it); null for none.</param>
    /// <exception cref="ActorPushConfigException">A configuration key is unknown or has a bad value.</exception>
    public static WebApplication Build(string[] args, string? overrideHocon = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var overridePath = builder.Configuration["config"] ?? Environment.GetEnvironmentVariable(HoconLoader.OverrideVariable);
        var hocon = HoconLoader.Load(overridePath, overrideHocon);
        var settings = ActorPushSettings.Create(hocon);

        builder.AddPushLogging(settings);
        ListenAddressCheck.Check(builder.Configuration);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(new TrustedProxies(settings.TrustedProxies));
        builder.Services.AddSingleton(services =>
            new HandshakePolicy(settings, TopicAdmission.Get(services.GetRequiredService<ActorSystem>())));
        builder.Services.AddSingleton<ConnectionTracker>();
        var cluster = ClusterConfiguration.From(hocon, Environment.GetEnvironmentVariable);
        builder.Services.AddPushBroker(settings.ApiAskTimeout, clustered: cluster is not null);
        builder.Services.AddSingleton<AcceptCap>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AcceptCap>());
        builder.Services.AddSingleton<Readiness>();
        builder.WebHost.ConfigureKestrel(PushConnectionMiddleware.Install);
        builder.WebHost.UseSockets(sockets =>
        {
            PushConnectionMiddleware.LimitReadAhead(sockets);
            InlineIo.Configure(sockets, settings.InlineIo);
        });
        DirectSockets.ReplaceKestrelTransport(builder.Services);
        ListenBacklog.Configure(builder.Services, settings.ListenBacklog);
        if (settings.MemoryTrim)
            builder.Services.AddHostedService<MemoryTrimService>();
        // The drain comes first (ShutdownDrain), then the clients' closes: the host's deadline covers both.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = settings.ShutdownDrain + settings.ShutdownTimeout);
        builder.Services.AddHostedService<ShutdownDrain>();
        builder.Services.AddAkka(ClusterEndpoint.SystemName, akka =>
        {
            akka.AddHocon(hocon, HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            });
            if (cluster is not null)
                akka.AddPushCluster(cluster);
            akka.AddPushActors(settings.Actors, clustered: cluster is not null);
        });
        builder.AddPushMetrics(settings); // after the actor system: its sources start once the actors exist
        if (cluster is not null)
            builder.Services.AddHostedService<ClusterObservability>(); // after the actor system, like the metrics sources

        var app = builder.Build();
        // Operator paths: the API key, or with none only really local requests (Api/ApiAccess.cs). /metrics is
        // guarded here too, so the metrics endpoint gets the same rule wherever it is mapped, unless
        // actorpush.metrics.public opens it to a scraper on another host.
        ApiAccess.UseApiAccess(app, settings.MetricsPublic ? ["/api"] : ["/api", OpenTelemetryConfig.MetricsPath]);
        app.MapGet("/ping", () => Results.Text("pong", "text/plain"));
        app.MapGet("/im", ImEndpoint.Handle);
        app.MapPushApi();
        app.MapStaticPages();
        app.MapHealth();
        app.MapPushMetrics(settings);
        return app;
    }
}
