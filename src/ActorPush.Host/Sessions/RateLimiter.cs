using System.Diagnostics;

namespace ActorPush.Host.Sessions;

/// <summary>
/// A token bucket for one connection's inbound messages (<c>actorpush.client.rate-limit</c> per second,
/// up to <c>rate-limit-burst</c> at once). Used only by the connection's receive loop, so not thread-safe.
/// </summary>
internal sealed class RateLimiter
{
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private readonly Func<long> _clock;
    private double _tokens;
    private long _last;

    /// <param name="clock">Timestamps in <see cref="Stopwatch"/> ticks; tests pass their own.</param>
    public RateLimiter(double perSecond, int burst, Func<long>? clock = null)
    {
        _tokensPerTick = perSecond / Stopwatch.Frequency;
        _burst = burst;
        _tokens = burst;
        _clock = clock ?? Stopwatch.GetTimestamp;
        _last = _clock();
    }

    /// <summary>Takes one token: true when the message is within the limit.</summary>
    public bool TryTake()
    {
        var now = _clock();
        _tokens = Math.Min(_burst, _tokens + (now - _last) * _tokensPerTick);
        _last = now;
        if (_tokens < 1)
            return false;
        _tokens -= 1;
        return true;
    }
}
