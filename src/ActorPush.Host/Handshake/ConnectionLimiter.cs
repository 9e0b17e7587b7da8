namespace ActorPush.Host.Handshake;

/// <summary>
/// Counts this node's connections, in total and per user, for <c>actorpush.limits.max-connections</c> (503)
/// and <c>max-connections-per-user</c> (429). A slot is taken atomically with the check at handshake time,
/// so concurrent handshakes can never pass a limit together, and given back when the connection ends.
/// Handshakes are rare next to messages, so one lock is cheap and keeps both counts consistent.
/// </summary>
public sealed class ConnectionLimiter(int maxConnections, int maxConnectionsPerUser)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Connections holding a slot now.</summary>
    public int Count
    {
        get { lock (_gate) return _total; }
    }

    /// <summary>Takes a slot for <paramref name="userId"/>, or returns null and the refusal when a limit is reached.</summary>
    public ConnectionLease? TryAcquire(string userId, out Refused? refusal)
    {
        lock (_gate)
        {
            if (maxConnections > 0 && _total >= maxConnections)
            {
                refusal = new Refused(StatusCodes.Status503ServiceUnavailable, "server is at its connection limit, try again later");
                return null;
            }

            if (maxConnectionsPerUser > 0) // without a per-user limit there is nothing to count per user
            {
                _perUser.TryGetValue(userId, out var userCount);
                if (userCount >= maxConnectionsPerUser)
                {
                    refusal = new Refused(StatusCodes.Status429TooManyRequests, $"user already holds {userCount} connections (the limit)");
                    return null;
                }

                _perUser[userId] = userCount + 1;
            }

            _total++;
        }

        refusal = null;
        return new ConnectionLease(this, userId);
    }

    internal void Release(string userId)
    {
        lock (_gate)
        {
            _total--;
            if (maxConnectionsPerUser <= 0)
                return;
            if (_perUser.TryGetValue(userId, out var userCount) && userCount > 1)
                _perUser[userId] = userCount - 1;
            else
                _perUser.Remove(userId);
        }
    }
}

/// <summary>One connection's slot in the <see cref="ConnectionLimiter"/>. Disposing gives it back, once.</summary>
public sealed class ConnectionLease : IDisposable
{
    private readonly ConnectionLimiter _limiter;
    private readonly string _userId;
    private int _released;

    internal ConnectionLease(ConnectionLimiter limiter, string userId)
    {
        _limiter = limiter;
        _userId = userId;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
            _limiter.Release(_userId);
    }
}
