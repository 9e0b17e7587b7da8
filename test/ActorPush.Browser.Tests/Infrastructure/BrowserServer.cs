using System.Net;
using System.Net.Sockets;
using ActorPush.Host;
using Microsoft.AspNetCore.Builder;

namespace ActorPush.Browser.Tests.Infrastructure;

/// <summary>
/// The real server (<see cref="ActorPushServer.Build"/>, as Program runs it) on 127.0.0.1, on a port that stays
/// the same across <see cref="StopAsync"/> and <see cref="StartAsync()"/>, so pages can reconnect to it.
/// </summary>
public sealed class BrowserServer : IAsyncDisposable
{
    private readonly string? _hocon;
    private WebApplication? _app;

    private BrowserServer(int port, string? hocon)
    {
        Port = port;
        _hocon = hocon;
    }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    public static async Task<BrowserServer> StartAsync(string? hocon = null)
    {
        var server = new BrowserServer(FreePort(), hocon);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        if (_app is not null)
            throw new InvalidOperationException("already running");
        string[] args = ["--urls", BaseUri.ToString().TrimEnd('/'), "--Logging:LogLevel:Default=Warning"];
        var app = ActorPushServer.Build(args, _hocon);
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops the server as SIGTERM would (clients get 1001), and frees the port.</summary>
    public async Task StopAsync()
    {
        if (_app is not { } app)
            return;
        _app = null;
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public HttpClient Http() => new() { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(10) };

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>A port nothing listens on right now (the OS picks it; the listener is closed again).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
