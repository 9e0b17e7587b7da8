using System.Diagnostics;

namespace ActorPush.LoadTest;

/// <summary>
/// Slow consumers: a share of the clients (small socket buffer) never read while a fan-out runs.
/// The fast clients must still get everything with their usual latency; afterwards the slow ones read
/// again and report how the server ended them (close code 4008 expected from ActorPush).
/// </summary>
public static class SlowScenario
{
    public static async Task RunAsync(LoadRun run)
    {
        var options = run.Options;
        var slowCount = (int)Math.Round(options.Clients * options.SlowShare);
        var fastCount = options.Clients - slowCount;
        var all = await run.ConnectAsync(
            options.Clients,
            id => id >= fastCount ? options.SlowSocketBuffer : null,
            id => id < fastCount).ConfigureAwait(false);
        var fast = all.Where(c => c.Id < fastCount).ToArray();
        var slow = all.Where(c => c.Id >= fastCount).ToArray();
        foreach (var client in fast)
        {
            client.StartReceiving();
        }

        foreach (var client in slow)
        {
            run.AddExtraTracker(client.Tracker);
        }

        run.SetReceivers(fast);
        run.SampleServerConnected();
        var report = new SlowReport { SlowClients = slow.Length, FastClients = fast.Length };
        run.Report.Slow = report;
        try
        {
            if (fast.Length < options.Senders)
            {
                run.Report.Failures.Add("not enough connections to publish");
                return;
            }

            var loadStart = Stopwatch.GetTimestamp();
            var serverCpu = run.ServerCpu();
            var toolCpu = ProcessSampler.OwnCpuSeconds();
            await run.PublishAndDrainAsync(FanoutScenario.PickSenders(fast, options.Senders, options.Targets.Length)).ConfigureAwait(false);
            run.EvaluateReceivers(loadStart, serverCpu, toolCpu);
            run.SampleServerEnd();

            run.Phase = "slow-read";
            foreach (var client in slow)
            {
                client.StartReceiving();
            }

            var waitStart = Stopwatch.GetTimestamp();
            while (slow.Any(c => !c.IsClosed)
                   && Stopwatch.GetElapsedTime(waitStart) < options.SlowDrain
                   && !run.Deadline.IsCancellationRequested)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }

            foreach (var client in slow)
            {
                report.SlowDeliveries += client.Tracker.Received;
                if (!client.IsClosed)
                {
                    report.StillOpen++;
                }
                else if (client.CloseCode < 0)
                {
                    report.ClosedWithoutFrame++;
                }
                else
                {
                    var code = client.CloseCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    report.CloseCodes[code] = report.CloseCodes.GetValueOrDefault(code) + 1;
                    if (client.CloseCode == options.ExpectSlowClose)
                    {
                        report.ClosedWithExpectedCode++;
                    }
                }
            }

            if (options.ExpectSlowClose is { } expected && report.ClosedWithExpectedCode < slow.Length)
            {
                run.Report.Failures.Add(
                    $"{slow.Length - report.ClosedWithExpectedCode} of {slow.Length} slow clients were not closed with {expected}");
            }
        }
        finally
        {
            await run.CloseAllAsync(all).ConfigureAwait(false);
        }
    }
}
