namespace ActorPush.LoadTest;

/// <summary>One load run: the scenario the options name, bounded by <c>--timeout</c>, then the report.</summary>
public static class LoadProgram
{
    /// <summary>The runtime's switch; its socket engine reads it once, when the process makes its first socket.</summary>
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// <c>--inline-completions</c>, before the run opens its first socket. On (the default) the socket engine's thread
    /// runs each receive's continuation itself (the frame parsing and the delivery check, which never block), instead of
    /// queueing it for a worker that another context switch wakes. On one core those switches were the largest item of
    /// the tool's time in a fan-out (29 % of its samples), and their number grew with how often the server's writes
    /// woke it, which differs by server: the tool was 99 % busy against ActorPush at fanout-2k and set that row's pace
    /// (docs/performance.md, runs of 2026-12-03). Off writes "0", so an inherited setting does not switch it back on.
    /// </summary>
    internal static void ApplyInlineCompletions(bool inline) =>
        Environment.SetEnvironmentVariable(InlineCompletionsVariable, inline ? "1" : "0");

    public static async Task<int> RunAsync(LoadOptions options)
    {
        ApplyInlineCompletions(options.InlineCompletions);
        // Every run stops by itself: the deadline cancels all phases, and a last resort ends the process.
        using var deadline = new CancellationTokenSource(options.Timeout);
        var lastResort = new Timer(
            _ =>
            {
                Console.Error.WriteLine($"hard timeout: run exceeded {options.Timeout.TotalSeconds + 60:F0} s, exiting");
                Environment.Exit(3);
            },
            null,
            options.Timeout + TimeSpan.FromSeconds(60),
            Timeout.InfiniteTimeSpan);

        var run = new LoadRun(options, deadline.Token);
        var progress = options.Quiet ? null : new ProgressReporter(run);
        try
        {
            await (options.Scenario switch
            {
                Scenario.Fanout => FanoutScenario.RunAsync(run),
                Scenario.Idle => IdleScenario.RunAsync(run),
                Scenario.Churn => ChurnScenario.RunAsync(run),
                Scenario.Slow => SlowScenario.RunAsync(run),
                _ => throw new InvalidOperationException(),
            });
        }
        finally
        {
            if (progress is not null)
            {
                await progress.DisposeAsync();
            }

            await lastResort.DisposeAsync();
        }

        var report = run.Report;
        report.WallSeconds = Math.Round(run.Elapsed, 2);
        if (deadline.IsCancellationRequested)
        {
            report.Failures.Add($"run hit the --timeout of {options.Timeout.TotalSeconds:F0} s");
        }

        report.Passed = report.Failures.Count == 0;
        var table = ReportPrinter.ToTable(report);
        if (options.JsonPath == "-")
        {
            Console.Error.Write(table);
            Console.Out.WriteLine(ReportPrinter.ToJson(report));
        }
        else
        {
            Console.Out.Write(table);
            if (options.JsonPath is { } path)
            {
                await File.WriteAllTextAsync(path, ReportPrinter.ToJson(report));
            }
        }

        return report.Passed ? 0 : 1;
    }
}
