using System.Diagnostics;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

/// <summary>
/// Backpressure for publishing clients (<c>actorpush.client.backpressure</c>): the fan-out is behind when
/// the outbound bytes held node-wide (<see cref="OutboundGauge"/>) pass the high-water mark, or the
/// publishes waiting in the broadcast mailbox pass theirs. A receive loop that has just handed a message
/// over asks <see cref="IsBehind"/>; when it is, it stops reading its socket (so TCP slows the client down)
/// and awaits <see cref="WaitAsync"/>, which completes once both are below half their marks, or after
/// <c>backpressure-max-pause</c> at the latest. No thread blocks: every paused loop awaits one shared task,
/// which a timer completes (it runs only while someone waits).
///
/// The node-wide mark is at most a quarter of <c>send-queue-limit</c> per open connection, and the broadcast
/// mark at most a quarter of <c>send-queue-limit</c> (every broadcast lands in every reader's queue), so a
/// node with few readers or small queues pauses publishers before a reader's queue can reach its limit.
/// </summary>
internal sealed class FanOutPressure : IDisposable
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(5);
    private readonly OutboundGauge _gauge;
    private readonly Func<long> _broadcastBacklog;
    private readonly ConnectionTracker _tracker;
    private readonly ActorPushSettings _settings;
    private readonly long _broadcastHighWater;
    private readonly long _maxPauseTicks;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private TaskCompletionSource? _calm; // the task paused loops await; null while nobody waits
    private long _pausedAt;

    public FanOutPressure(OutboundGauge gauge, Func<long> broadcastBacklog, ConnectionTracker tracker, ActorPushSettings settings)
    {
        _gauge = gauge;
        _broadcastBacklog = broadcastBacklog;
        _tracker = tracker;
        _settings = settings;
        _broadcastHighWater = Math.Min(settings.BackpressureBroadcastHighWater, settings.SendQueueLimit / 4);
        _maxPauseTicks = (long)(settings.BackpressureMaxPause.TotalSeconds * Stopwatch.Frequency);
        _timer = new Timer(static state => ((FanOutPressure)state!).Poll(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Outbound bytes node-wide over which publishers pause.</summary>
    public long HighWater => Math.Min(_settings.BackpressureHighWater, Math.Max(1, _tracker.Count) * (_settings.SendQueueLimit / 4));

    /// <summary>Whether the fan-out is over a high-water mark now.</summary>
    public bool IsBehind => _gauge.Total > HighWater || _broadcastBacklog() > _broadcastHighWater;

    private bool IsCalm => _gauge.Total <= HighWater / 2 && _broadcastBacklog() <= _broadcastHighWater / 2;

    /// <summary>A task that completes when the fan-out is below half its marks, or after the longest pause.</summary>
    public Task WaitAsync()
    {
        lock (_lock)
        {
            if (_calm is not null)
                return _calm.Task;
            _calm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pausedAt = Stopwatch.GetTimestamp();
            _timer.Change(PollEvery, PollEvery);
            return _calm.Task;
        }
    }

    private void Poll()
    {
        TaskCompletionSource? calm;
        lock (_lock)
        {
            calm = _calm;
            if (calm is null || (!IsCalm && Stopwatch.GetTimestamp() - _pausedAt < _maxPauseTicks))
                return;
            _calm = null;
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
        }

        calm.TrySetResult();
    }

    public void Dispose() => _timer.Dispose();
}
