using System.Diagnostics;
using Akka.Actor;
using ActorPush.Actors.Metrics;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Memory;

/// <summary>
/// Gives the memory of a finished burst back to the OS. The GC keeps what it grew to during a reconnect
/// storm or a wave of publishes (gen0 budgets, half-empty regions, dead connections' objects) until enough
/// new allocation makes it collect again, which on a quiet node may be never. When
/// <see cref="MemoryTrimPolicy"/> says the burst is over, this runs one full, compacting, decommitting
/// collection. Nothing here touches an actor or a socket.
/// </summary>
internal sealed partial class MemoryTrimService(ActorPushSettings settings, IServiceProvider services, ILogger<MemoryTrimService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = new MemoryTrimPolicy(settings.MemoryTrimQuietPeriod, settings.MemoryTrimQuietRate, settings.MemoryTrimAfterAllocated);
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(CheckInterval(settings.MemoryTrimQuietPeriod));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!policy.ShouldTrim(clock.Elapsed, GC.GetTotalAllocatedBytes()))
                    continue;
                Trim();
                policy.Trimmed(clock.Elapsed, GC.GetTotalAllocatedBytes());
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Five checks per quiet period, at most one a second.</summary>
    private static TimeSpan CheckInterval(TimeSpan quietPeriod) =>
        TimeSpan.FromTicks(Math.Clamp(quietPeriod.Ticks / 5, TimeSpan.TicksPerMillisecond * 20, TimeSpan.TicksPerSecond));

    private void Trim()
    {
        var committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var took = Stopwatch.GetElapsedTime(started);
        var after = GC.GetGCMemoryInfo();
        PushMetrics.Get(services.GetRequiredService<ActorSystem>()).MemoryTrimmed();
        LogTrimmed(logger, committedBefore >> 20, after.TotalCommittedBytes >> 20, after.HeapSizeBytes >> 20, (long)took.TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Memory trimmed after a burst: GC committed {CommittedBeforeMiB} -> {CommittedAfterMiB} MiB, heap {HeapMiB} MiB, pause {PauseMs} ms")]
    private static partial void LogTrimmed(ILogger logger, long committedBeforeMiB, long committedAfterMiB, long heapMiB, long pauseMs);
}
