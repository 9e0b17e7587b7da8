using System.Diagnostics;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

/// <summary>
/// Logs the connections the server cut for their own behaviour (4008 slow consumer, 4029 rate limit) at
/// Information with the reason, so an operator sees why clients drop without turning on Debug. At most
/// <see cref="LinesPerSecond"/> lines a second: a wave of cuts (a network hiccup that stalls thousands of
/// readers) must not flood the log; the next line after a suppressed second says how many were left out.
/// </summary>
internal sealed partial class CutLog(ILogger logger)
{
    public const int LinesPerSecond = 10;

    private readonly object _gate = new();
    private long _windowStart = Stopwatch.GetTimestamp();
    private int _inWindow;
    private long _suppressed;

    public void Closed(string userId, string connectionId, ushort closeCode)
    {
        var reason = closeCode switch
        {
            CloseCodes.SlowConsumer => "slow consumer: its send queue passed actorpush.client.send-queue-limit",
            CloseCodes.RateLimited => "rate limit: it sent faster than actorpush.client.rate-limit",
            _ => null,
        };
        if (reason is null)
            return;

        long suppressed;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = now;
                _inWindow = 0;
            }

            if (++_inWindow > LinesPerSecond)
            {
                _suppressed++;
                return;
            }

            suppressed = _suppressed;
            _suppressed = 0;
        }

        if (suppressed > 0)
            LogSuppressed(logger, suppressed);
        LogCut(logger, userId, connectionId, closeCode, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cut {UserId} ({ConnectionId}) with {CloseCode}, {Reason}")]
    private static partial void LogCut(ILogger logger, string userId, string connectionId, ushort closeCode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Suppressed {Count} more cut lines (at most 10 a second are logged; stats count every cut)")]
    private static partial void LogSuppressed(ILogger logger, long count);
}
