using System.Collections.Concurrent;
using ActorPush.Actors.Settings;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

/// <summary>
/// Knows every open WebSocket on this node, for the two things that concern them all: keepalive (one
/// shared timer sweeps all connections instead of a timer each) and graceful shutdown (every client
/// gets close 1001 when the host begins to stop).
/// </summary>
internal sealed class ConnectionTracker : IDisposable
{
    private readonly ConcurrentDictionary<PushWebSocket, byte> _connections = new();
    private readonly ActorPushSettings _settings;
    private readonly Timer? _sweeper;
    private readonly CancellationTokenRegistration _stopping;

    public ConnectionTracker(ActorPushSettings settings, IHostApplicationLifetime lifetime)
    {
        _settings = settings;
        if (settings.KeepAliveInterval > TimeSpan.Zero)
        {
            var period = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(settings.KeepAliveInterval.TotalMilliseconds, settings.KeepAliveTimeout.TotalMilliseconds) / 4));
            _sweeper = new Timer(static state => ((ConnectionTracker)state!).Sweep(), this, period, period);
        }

        _stopping = lifetime.ApplicationStopping.Register(static state => ((ConnectionTracker)state!).CloseAll(), this);
    }

    public int Count => _connections.Count;

    public void Add(PushWebSocket connection) => _connections.TryAdd(connection, 0);

    public void Remove(PushWebSocket connection) => _connections.TryRemove(connection, out _);

    private void Sweep()
    {
        var now = Environment.TickCount64;
        var interval = (long)_settings.KeepAliveInterval.TotalMilliseconds;
        var timeout = (long)_settings.KeepAliveTimeout.TotalMilliseconds;
        foreach (var (connection, _) in _connections) // enumerates live, without copying the keys
            connection.KeepAlive(now, interval, timeout);
    }

    private void CloseAll()
    {
        foreach (var (connection, _) in _connections)
            connection.Close(CloseCodes.GoingAway, CloseCodes.Reasons.GoingAway);
    }

    public void Dispose()
    {
        _sweeper?.Dispose();
        _stopping.Dispose();
    }
}
