namespace ActorPush.LoadTest;

/// <summary>One load run: the scenario the options name, bounded by <c>--timeout</c>, then the report.</summary>
public static class LoadProgram
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
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
