namespace ActorPush.Host.Memory;

/// <summary>
/// Decides when the process should give back the memory of its last burst: when it has allocated at
/// least <c>afterAllocated</c> bytes since the last trim (there was a burst worth a pause) and has then
/// allocated less than <c>quietBytesPerSecond</c> for <c>quietPeriod</c> (the burst is over).
/// Fed with readings instead of reading the clock and the GC itself, so it is tested without either.
/// </summary>
public sealed class MemoryTrimPolicy(TimeSpan quietPeriod, long quietBytesPerSecond, long afterAllocated)
{
    private bool _started;
    private TimeSpan _lastCheck;
    private long _lastAllocated;
    private TimeSpan _quietSince;
    private long _allocatedAtLastTrim;

    /// <param name="now">Time since any fixed point (a stopwatch).</param>
    /// <param name="totalAllocated">Bytes the process has allocated since it started.</param>
    /// <returns>Whether to trim now; call <see cref="Trimmed"/> after trimming.</returns>
    public bool ShouldTrim(TimeSpan now, long totalAllocated)
    {
        if (!_started)
        {
            _started = true;
            Restart(now, totalAllocated);
            return false;
        }

        var elapsed = now - _lastCheck;
        if (elapsed <= TimeSpan.Zero)
            return false;
        if ((totalAllocated - _lastAllocated) / elapsed.TotalSeconds >= quietBytesPerSecond)
            _quietSince = now;
        _lastCheck = now;
        _lastAllocated = totalAllocated;
        return now - _quietSince >= quietPeriod && totalAllocated - _allocatedAtLastTrim >= afterAllocated;
    }

    /// <summary>A trim ran: the next needs another <c>afterAllocated</c> bytes and another quiet period.</summary>
    public void Trimmed(TimeSpan now, long totalAllocated)
    {
        Restart(now, totalAllocated);
        _allocatedAtLastTrim = totalAllocated;
    }

    private void Restart(TimeSpan now, long totalAllocated)
    {
        _lastCheck = now;
        _quietSince = now;
        _lastAllocated = totalAllocated;
    }
}
