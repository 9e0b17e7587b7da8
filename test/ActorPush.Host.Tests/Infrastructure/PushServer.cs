using System.Net.WebSockets;
using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>
/// The real server (the same <see cref="ActorPushServer.Build"/> Program uses) on real Kestrel at
/// 127.0.0.1 with a free port, plus helpers to connect clients and to wait for server-side state.
/// </summary>
public sealed class PushServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PushServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    public IServiceProvider Services => _app.Services;

    public PushMetrics Metrics => PushMetrics.Get(Services.GetRequiredService<ActorSystem>());

    /// <summary>Starts a server with the shipped configuration plus <paramref name="hocon"/> on top.</summary>
    public static async Task<PushServer> StartAsync(string? hocon = null, params string[] extraArgs)
    {
        string[] args = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. extraArgs];
        var app = ActorPushServer.Build(args, hocon);
        await app.StartAsync();
        var address = app.Urls.Single();
        return new PushServer(app, new Uri(address));
    }

    public Uri WebSocketUri(string query) =>
        new UriBuilder(BaseUri) { Scheme = "ws", Path = "/im", Query = query }.Uri;

    /// <summary>Connects a client and waits until the registry counts it, so broadcasts reach it.</summary>
    public async Task<ClientWebSocket> ConnectAsync(string userId)
    {
        var before = (await StatsAsync()).Connections;
        var socket = await ConnectOnlyAsync(userId);
        await WaitForConnectionsAsync(before + 1, atLeast: true);
        return socket;
    }

    /// <summary>Connects without waiting for registration.</summary>
    public async Task<ClientWebSocket> ConnectOnlyAsync(string userId)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = new CancellationTokenSource(Deadlines.Default);
        await socket.ConnectAsync(WebSocketUri("user_id=" + Uri.EscapeDataString(userId)), timeout.Token);
        return socket;
    }

    public async Task<RegistryStats> StatsAsync()
    {
        var registry = await Services.GetRequiredService<IRequiredActor<RegistryActor>>().GetAsync();
        return await registry.Ask<RegistryStats>(GetRegistryStats.Instance, Deadlines.Default);
    }

    public async Task<UserPresence> PresenceAsync(string userId)
    {
        var registry = await Services.GetRequiredService<IRequiredActor<RegistryActor>>().GetAsync();
        return await registry.Ask<UserPresence>(new GetUserPresence(userId), Deadlines.Default);
    }

    /// <summary>Waits (with a deadline) until the registry tracks exactly (or at least) <paramref name="count"/> connections.</summary>
    public Task WaitForConnectionsAsync(int count, bool atLeast = false) =>
        Eventually.HoldsAsync(async () =>
        {
            var connections = (await StatsAsync()).Connections;
            return atLeast ? connections >= count : connections == count;
        }, $"registry to count {(atLeast ? "at least " : "")}{count} connections");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
