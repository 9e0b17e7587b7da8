using System.Diagnostics;

namespace ActorPush.Host.Sessions;

/// <summary>
/// A token bucket for one connection's inbound messages (<c>actorpush.client.rate-limit</c> per second,
/// up to <c>rate-limit-burst</c> at once) or bytes (<c>rate-limit-bytes</c>). Used only by the connection's
/// receive loop, so not thread-safe.
/// </summary>
internal sealed class RateLimiter
{
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private readonly Func<long> _clock;
    private double _tokens;
    private long _last;

    /// <param name="clock">Timestamps in <see cref="Stopwatch"/> ticks; tests pass their own.</param>
    public RateLimiter(double perSecond, long burst, Func<long>? clock = null)
    {
        _tokensPerTick = perSecond / Stopwatch.Frequency;
        _burst = burst;
        _tokens = burst;
        _clock = clock ?? Stopwatch.GetTimestamp;
        _last = _clock();
    }

    /// <summary>Takes <paramref name="amount"/> tokens (one message, or a message's bytes): true when within the limit.</summary>
    public bool TryTake(long amount = 1)
    {
        var now = _clock();
        _tokens = Math.Min(_burst, _tokens + (now - _last) * _tokensPerTick);
        _last = now;
        if (_tokens < amount)
            return false;
        _tokens -= amount;
        return true;
    }
}
