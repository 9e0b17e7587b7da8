using System.Net;

namespace ActorPush.Host.Handshake;

/// <summary>
/// Counts this node's connections, in total, per user and per client address, for
/// <c>actorpush.limits.max-connections</c> (503), <c>max-connections-per-user</c> (429) and
/// <c>max-connections-per-address</c> (429). A slot is taken atomically with the check at handshake time,
/// so concurrent handshakes can never pass a limit together, and given back when the connection ends.
/// Handshakes are rare next to messages, so one lock is cheap and keeps the counts consistent.
/// </summary>
/// <remarks>
/// The address is the client's as <see cref="Access.ClientAddress"/> resolves it: behind a trusted proxy the one its
/// forwarding headers name, else the TCP peer. Connections with no address (a Unix socket) are not counted per address.
/// </remarks>
public sealed class ConnectionLimiter(int maxConnections, int maxConnectionsPerUser, int maxConnectionsPerAddress = 0)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _total;

    /// <summary>Connections holding a slot now.</summary>
    public int Count
    {
        get { lock (_gate) return _total; }
    }

    /// <summary>Takes a slot for <paramref name="userId"/> connecting from <paramref name="address"/>, or returns null and the refusal when a limit is reached.</summary>
    public ConnectionLease? TryAcquire(string userId, IPAddress? address, out Refused? refusal)
    {
        var countAddress = maxConnectionsPerAddress > 0 && address is not null; // without a limit there is nothing to count
        var countUser = maxConnectionsPerUser > 0;
        lock (_gate)
        {
            if (maxConnections > 0 && _total >= maxConnections)
            {
                refusal = new Refused(StatusCodes.Status503ServiceUnavailable, "server is at its connection limit, try again later");
                return null;
            }

            var userCount = 0;
            if (countUser && _perUser.TryGetValue(userId, out userCount) && userCount >= maxConnectionsPerUser)
            {
                refusal = new Refused(StatusCodes.Status429TooManyRequests, $"user already holds {userCount} connections (the limit)");
                return null;
            }

            var addressCount = 0;
            if (countAddress && _perAddress.TryGetValue(address!, out addressCount) && addressCount >= maxConnectionsPerAddress)
            {
                refusal = new Refused(StatusCodes.Status429TooManyRequests, $"address already holds {addressCount} connections (the limit)");
                return null;
            }

            if (countUser)
                _perUser[userId] = userCount + 1;
            if (countAddress)
                _perAddress[address!] = addressCount + 1;
            _total++;
        }

        refusal = null;
        return new ConnectionLease(this, userId, address, countAddress);
    }

    internal void Release(string userId, IPAddress? address)
    {
        lock (_gate)
        {
            _total--;
            if (maxConnectionsPerUser > 0)
                Decrement(_perUser, userId);
            if (address is not null)
                Decrement(_perAddress, address);
        }
    }

    private static void Decrement<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull
    {
        if (counts.TryGetValue(key, out var count) && count > 1)
            counts[key] = count - 1;
        else
            counts.Remove(key);
    }
}

/// <summary>One connection's slot in the <see cref="ConnectionLimiter"/>. Disposing gives it back, once.</summary>
public sealed class ConnectionLease : IDisposable
{
    private readonly ConnectionLimiter _limiter;
    private readonly string _userId;
    private readonly bool _addressCounted;
    private int _released;

    internal ConnectionLease(ConnectionLimiter limiter, string userId, IPAddress? address, bool addressCounted)
    {
        _limiter = limiter;
        _userId = userId;
        Address = address;
        _addressCounted = addressCounted;
    }

    /// <summary>The client's address as the handshake resolved it (behind a trusted proxy, the one it forwarded).</summary>
    public IPAddress? Address { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
            _limiter.Release(_userId, _addressCounted ? Address : null);
    }
}
