using ActorPush.LoadTest;

if (args.Length > 0 && args[0] == "summarize")
{
    try
    {
        return BenchSummary.Run(args);
    }
    catch (UsageException e)
    {
        Console.Error.WriteLine("error: " + e.Message);
        return 2;
    }
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is UsageException or ArgumentException or FormatException or UriFormatException)
{
    if (e.Message.Length > 0)
    {
        Console.Error.WriteLine("error: " + e.Message);
    }

    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

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
