using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

/// <summary>
/// Knows every open WebSocket on this node, for the two things that concern them all: keepalive (one
/// shared timer sweeps all connections instead of a timer each) and graceful shutdown (every client
/// gets close 1001 when <see cref="Observability.ShutdownDrain"/> says so, after the drain). A dense list with each socket's position stored in the
/// socket (O(1) removal by swapping the last one in): 8 bytes per connection, where a concurrent
/// dictionary would cost a node object each.
/// </summary>
internal sealed class ConnectionTracker : IDisposable
{
    private readonly List<PushWebSocket> _connections = []; // guarded by locking it
    private readonly object _sweeping = new();
    private PushWebSocket[] _sweepSnapshot = []; // the sweeps' copy of the list, reused (guarded by _sweeping)
    private readonly ActorPushSettings _settings;
    private readonly Timer? _sweeper;
    private volatile int _count;
    private int _shedding; // 1 while a cut of the largest queues is under way
    private bool _closedAll; // guarded like the list: connections added after CloseAll are closed at once

    public ConnectionTracker(ActorPushSettings settings)
    {
        _settings = settings;
        if (settings.KeepAliveInterval > TimeSpan.Zero)
        {
            var period = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(settings.KeepAliveInterval.TotalMilliseconds, settings.KeepAliveTimeout.TotalMilliseconds) / 4));
            _sweeper = new Timer(static state => ((ConnectionTracker)state!).Sweep(), this, period, period);
        }
    }

    public int Count => _count;

    public void Add(PushWebSocket connection)
    {
        lock (_connections)
        {
            if (connection.TrackerIndex >= 0)
                return;
            connection.TrackerIndex = _connections.Count;
            _connections.Add(connection);
            _count = _connections.Count;
            if (_closedAll)
                connection.Close(CloseCodes.GoingAway, CloseCodes.Reasons.GoingAway);
        }
    }

    /// <summary>Bytes queued for sending on all connections together (read at metrics collection time).</summary>
    public long QueuedBytes()
    {
        long total = 0;
        lock (_connections)
        {
            foreach (var connection in _connections)
                total += connection.QueuedBytes;
        }

        return total;
    }

    public void Remove(PushWebSocket connection)
    {
        lock (_connections)
        {
            var index = connection.TrackerIndex;
            if (index < 0)
                return;
            var last = _connections.Count - 1;
            if (index != last)
            {
                var moved = _connections[last];
                _connections[index] = moved;
                moved.TrackerIndex = index;
            }

            _connections.RemoveAt(last);
            connection.TrackerIndex = -1;
            _count = _connections.Count;
        }
    }

    // Visits every connection tracked when it starts. The list is copied under the lock and visited after
    // it is released: a visit writes into the connection's pipe (a ping, a close), and handshakes and removals
    // must not wait for that over 20,000 sockets. A connection that ends meanwhile is still visited once,
    // which it ignores (it is finished); one that arrives meanwhile is seen by the next pass. The copy goes into
    // <paramref name="snapshot"/>, grown when the list outgrew it and cleared after the visit: the sweeps reuse one
    // array instead of renting from the shared pool, which kept an array of the list's size for every thread a
    // sweep had run on (each 8 bytes per connection, on the large-object heap).
    private void ForEach<TState>(ref PushWebSocket[] snapshot, TState state, Action<PushWebSocket, TState> visit)
    {
        int count;
        lock (_connections)
        {
            count = _connections.Count;
            if (snapshot.Length < count)
                snapshot = new PushWebSocket[_connections.Capacity];
            _connections.CopyTo(snapshot);
        }

        try
        {
            for (var i = 0; i < count; i++)
                visit(snapshot[i], state);
        }
        finally
        {
            Array.Clear(snapshot, 0, count); // holds no connection between sweeps
        }
    }

    private void Sweep()
    {
        // One sweep at a time (a connection's ping state is the sweeper's alone): a timer tick that comes while
        // the last sweep still runs is skipped.
        if (!Monitor.TryEnter(_sweeping))
            return;
        try
        {
            var now = Environment.TickCount64;
            var interval = (long)_settings.KeepAliveInterval.TotalMilliseconds;
            var timeout = (long)_settings.KeepAliveTimeout.TotalMilliseconds;
            ForEach(ref _sweepSnapshot, (now, interval, timeout), static (connection, at) => connection.KeepAlive(at.now, at.interval, at.timeout));
        }
        finally
        {
            Monitor.Exit(_sweeping);
        }
    }

    /// <summary>Closes every connection with 1001, and every one added from now on.</summary>
    public void CloseAll()
    {
        lock (_connections)
            _closedAll = true;
        PushWebSocket[] snapshot = []; // once per process (shutdown): an array of its own, not the sweeps'
        ForEach(ref snapshot, 0, static (connection, _) => connection.Close(CloseCodes.GoingAway, CloseCodes.Reasons.GoingAway));
    }

    /// <summary>
    /// The node holds more outbound bytes than <c>actorpush.limits.max-outbound-bytes</c>: cuts the
    /// connections with the largest send queues (4008), largest first, until what they held brings the
    /// node under <paramref name="target"/>. Runs on the thread pool, one cut at a time; returns at once.
    /// </summary>
    public void ShedLargest(long total, long target, Action<PushWebSocket> cut)
    {
        if (Interlocked.CompareExchange(ref _shedding, 1, 0) != 0)
            return;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                List<(PushWebSocket Connection, long Queued)> queues;
                lock (_connections) // collect under the lock, close after it
                {
                    queues = new List<(PushWebSocket, long)>(_connections.Count);
                    foreach (var connection in _connections)
                    {
                        if (connection.QueuedBytes > 0)
                            queues.Add((connection, connection.QueuedBytes));
                    }
                }

                queues.Sort(static (a, b) => b.Queued.CompareTo(a.Queued));
                var excess = total - target;
                foreach (var (connection, queued) in queues)
                {
                    if (excess <= 0)
                        break;
                    cut(connection);
                    excess -= queued;
                }
            }
            finally
            {
                Volatile.Write(ref _shedding, 0);
            }
        }, null);
    }

    public void Dispose()
    {
        _sweeper?.Dispose();
    }
}
