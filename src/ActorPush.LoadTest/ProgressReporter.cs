using System.Globalization;

namespace ActorPush.LoadTest;

/// <summary>One status line a second on stderr: phase, connections, deliveries and deliveries per second.</summary>
public sealed class ProgressReporter : IAsyncDisposable
{
    private readonly LoadRun _run;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _overwrite = !Console.IsErrorRedirected;

    public ProgressReporter(LoadRun run)
    {
        _run = run;
        _loop = LoopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_overwrite)
        {
            Console.Error.WriteLine();
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var lastReceived = 0L;
        var lastTime = _run.Elapsed;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            var now = _run.Elapsed;
            var received = _run.Received();
            var rate = (received - lastReceived) / Math.Max(now - lastTime, 1e-3);
            lastReceived = received;
            lastTime = now;
            var expected = _run.Expected > 0 ? "/" + _run.Expected.ToString("N0", CultureInfo.InvariantCulture) : "";
            var line = string.Create(
                CultureInfo.InvariantCulture,
                $"[{now,6:F1}s] {_run.Phase,-9} conn {_run.Connector.Connected}/{_run.Options.Clients} err {_run.Connector.Errors}  sent {_run.MessagesSent:N0}  recv {received:N0}{expected}  {rate,12:N0} deliveries/s");
            if (_overwrite)
            {
                Console.Error.Write("\r" + line.PadRight(Console.IsErrorRedirected ? 0 : 110));
            }
            else
            {
                Console.Error.WriteLine(line);
            }
        }
    }
}
