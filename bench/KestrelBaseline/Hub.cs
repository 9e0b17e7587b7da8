namespace KestrelBaseline;

/// <summary>Every open connection, as a copy-on-write array so a broadcast walks a snapshot without locking.</summary>
public sealed class Hub
{
    private readonly object _gate = new();
    private BroadcastConnection[] _connections = [];

    public int Count => Volatile.Read(ref _connections).Length;

    public void Add(BroadcastConnection connection)
    {
        lock (_gate)
        {
            var next = new BroadcastConnection[_connections.Length + 1];
            _connections.CopyTo(next, 0);
            next[^1] = connection;
            Volatile.Write(ref _connections, next);
        }
    }

    public void Remove(BroadcastConnection connection)
    {
        lock (_gate)
        {
            var at = Array.IndexOf(_connections, connection);
            if (at < 0)
            {
                return;
            }

            var next = new BroadcastConnection[_connections.Length - 1];
            Array.Copy(_connections, 0, next, 0, at);
            Array.Copy(_connections, at + 1, next, at, _connections.Length - at - 1);
            Volatile.Write(ref _connections, next);
        }
    }

    /// <summary>Queues the already-encoded frame on every connection; slow ones close themselves.</summary>
    public void Broadcast(byte[] frame)
    {
        foreach (var connection in Volatile.Read(ref _connections))
        {
            connection.Enqueue(frame);
        }
    }
}
