using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;

namespace ActorPush.LoadTest;

/// <summary>
/// The load tool's command line (System.CommandLine): <c>[fanout|idle|churn|slow] [options]</c> runs load,
/// <c>summarize --results DIR [--docs FILE]</c> writes a benchmark's tables. <c>--help</c> prints the options
/// and exits 0; a bad option prints what is wrong and exits 2.
/// </summary>
public static class LoadCommandLine
{
    public const int UsageExitCode = 2;

    private static readonly Argument<Scenario?> ScenarioArgument = new("scenario")
    {
        Description = "fanout (default), idle, churn or slow",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "fanout|idle|churn|slow",
        CustomParser = r => ParseScenario(r, r.Tokens[0].Value),
    };

    private static readonly Option<Scenario?> ScenarioOption = new("--scenario")
    {
        Description = "the scenario, as an option (wins over the argument)",
        HelpName = "fanout|idle|churn|slow",
        CustomParser = r => ParseScenario(r, r.Tokens[0].Value),
    };

    private static readonly Option<TargetEndpoint[]> Url = new("--url")
    {
        Description = "target (127.0.0.0/8 only; path defaults to /im); several, comma-separated (the nodes of a cluster): " +
                      "client i connects to the (i mod count)-th and the senders are spread over them",
        Arity = ArgumentArity.ExactlyOne,
        DefaultValueFactory = _ => [TargetEndpoint.Parse("ws://127.0.0.1:5000/im")],
        CustomParser = r => Convert(r, TargetEndpoint.ParseList),
    };

    private static readonly Option<IPAddress[]> Source = new("--source")
    {
        Description = "source addresses such as 127.0.0.1,127.0.0.2, used round-robin (~28k ports each)",
        DefaultValueFactory = _ => [IPAddress.Loopback],
        CustomParser = r => Convert(r, LoopbackGuard.ParseSources),
    };

    private static readonly Option<int> Clients = Int("--clients", 100, 1, 1_000_000, "connections to open");
    private static readonly Option<double> ConnectRate = Number("--connect-rate", 2000, 1, 1e7, "new connections per second, cap");
    private static readonly Option<int> ConnectConcurrency = Int("--connect-concurrency", 128, 1, 100_000, "handshakes in flight, cap");
    private static readonly Option<int> ConnectYieldEvery = Int("--connect-yield-every", 32, 0, 100_000,
        "after this many connection starts, queue the rest behind the work already waiting, so connects that finished get their request sent (0 = never)");
    private static readonly Option<double> ConnectTimeout = Seconds("--connect-timeout", 10, "seconds per connection attempt");
    private static readonly Option<int> Senders = Int("--senders", 1, 0, 100_000, "publishing clients");
    private static readonly Option<int> Messages = Int("--messages", 100, 0, 100_000_000, "messages per sender");
    private static readonly Option<int> Size = Int("--size", 64, MessagePayload.MinimumSize, 1 << 20, "payload bytes");
    private static readonly Option<double> Rate = Number("--rate", 0, 0, 1e9, "total messages/s over all senders (0 = window mode)");
    private static readonly Option<int> Window = Int("--window", 8, 1, 1_000_000, "messages in flight per sender, window mode");
    private static readonly Option<double> Hold = Seconds("--hold", 5, "idle: seconds to hold the connections");
    private static readonly Option<int> ChurnPool = Int("--churn-pool", 100, 1, 100_000, "churn: clients coming and going");
    private static readonly Option<double> ChurnRate = Number("--churn-rate", 50, 0.1, 100_000, "churn: replacements per second");
    private static readonly Option<double> SlowShare = Number("--slow-share", 0.1, 0, 0.9, "slow: share of clients that stop reading");
    private static readonly Option<int> SlowSocketBuffer = Int("--slow-socket-buffer", 4096, 256, 1 << 26, "slow: SO_RCVBUF of the slow clients");
    private static readonly Option<double> SlowDrain = Seconds("--slow-drain", 15, "slow: seconds the slow clients get to see their close");
    private static readonly Option<int?> ExpectSlowClose = OptionalInt("--expect-slow-close", 1000, 4999, "slow: fail unless every slow client got this close code");
    private static readonly Option<double> DrainTimeout = Seconds("--drain-timeout", 10, "give up after this many seconds without a delivery");
    private static readonly Option<double> Timeout = Seconds("--timeout", 300, "hard limit in seconds for the whole run");
    private static readonly Option<int> ReceiveBuffer = Int("--recv-buffer", 4096, 512, 1 << 24, "receive buffer per client");
    private static readonly Option<int[]> ServerPid = new("--server-pid")
    {
        Description = "sample the server's RSS and CPU time from /proc; several, comma-separated (a cluster's nodes): summed",
        Arity = ArgumentArity.ExactlyOne,
        DefaultValueFactory = _ => [],
        CustomParser = r => Convert(r, ParsePids),
    };

    private static readonly Option<Uri?> StatsUrl = new("--stats-url")
    {
        Description = "ActorPush only: GET this /api/stats (loopback) before and after the load and report the cluster's wire traffic per publish",
        CustomParser = r => Convert(r, TargetEndpoint.ParseStatsUrl),
    };
    private static readonly Option<string> Label = new("--label") { Description = "name of the server in the report", DefaultValueFactory = _ => "server" };
    private static readonly Option<string?> Json = new("--json") { Description = "also write the report as JSON to this path (- = stdout, table goes to stderr)" };
    private static readonly Option<bool> Quiet = new("--quiet") { Description = "no live progress line" };
    private static readonly Option<bool> InlineCompletions = new("--inline-completions")
    {
        Description = "run socket completions on the socket engine's thread instead of handing each to a thread-pool worker " +
                      "(true by default; false gives the runtime's default)",
        DefaultValueFactory = _ => true,
    };

    private static readonly Option<DirectoryInfo> Results = new Option<DirectoryInfo>("--results")
    {
        Description = "a bench/results/<timestamp> directory", Required = true,
    }.AcceptExistingOnly();

    private static readonly Option<string?> Docs = new("--docs") { Description = "a markdown file whose bench markers get the tables" };

    /// <summary>Parses <paramref name="args"/> and runs what they ask for; returns the process's exit code.</summary>
    public static async Task<int> InvokeAsync(string[] args, Func<LoadOptions, Task<int>> run, Func<string, string?, int> summarize)
    {
        var root = new RootCommand(
            "ActorPush.LoadTest: WebSocket load for any server speaking GET /im?user_id=X (broadcast to all).\n" +
            "Exit code: 0 ok, 1 deliveries missing/duplicated/out of order (or connections failed), 2 usage.")
        {
            ScenarioArgument, ScenarioOption, Url, Clients, Source, ConnectRate, ConnectConcurrency, ConnectYieldEvery, ConnectTimeout,
            Senders, Messages, Size, Rate, Window, Hold, ChurnPool, ChurnRate, SlowShare, SlowSocketBuffer, SlowDrain,
            ExpectSlowClose, DrainTimeout, Timeout, ReceiveBuffer, ServerPid, StatsUrl, Label, Json, Quiet, InlineCompletions,
        };
        root.SetAction(async parse =>
        {
            var options = ToOptions(parse);
            if (options.Inconsistency() is not { } problem)
                return await run(options);
            await Console.Error.WriteLineAsync("error: " + problem);
            return UsageExitCode;
        });

        var summarizeCommand = new Command("summarize", "write results.json, summary.md and chart.svg for a benchmark's results") { Results, Docs };
        summarizeCommand.SetAction(parse => summarize(parse.GetValue(Results)!.FullName, parse.GetValue(Docs)));
        root.Subcommands.Add(summarizeCommand);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            foreach (var error in parsed.Errors)
                await Console.Error.WriteLineAsync("error: " + error.Message);
            await Console.Error.WriteLineAsync("(--help lists the options)");
            return UsageExitCode;
        }

        return await parsed.InvokeAsync();
    }

    private static LoadOptions ToOptions(ParseResult parse) => new()
    {
        Scenario = parse.GetValue(ScenarioOption) ?? parse.GetValue(ScenarioArgument) ?? Scenario.Fanout,
        Targets = parse.GetValue(Url)!,
        Sources = parse.GetValue(Source)!,
        Clients = parse.GetValue(Clients),
        Senders = parse.GetValue(Senders),
        Messages = parse.GetValue(Messages),
        PayloadBytes = parse.GetValue(Size),
        Rate = parse.GetValue(Rate),
        Window = parse.GetValue(Window),
        ConnectRate = parse.GetValue(ConnectRate),
        ConnectConcurrency = parse.GetValue(ConnectConcurrency),
        ConnectYieldEvery = parse.GetValue(ConnectYieldEvery),
        ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(ConnectTimeout)),
        Hold = TimeSpan.FromSeconds(parse.GetValue(Hold)),
        ChurnPool = parse.GetValue(ChurnPool),
        ChurnRate = parse.GetValue(ChurnRate),
        SlowShare = parse.GetValue(SlowShare),
        SlowSocketBuffer = parse.GetValue(SlowSocketBuffer),
        SlowDrain = TimeSpan.FromSeconds(parse.GetValue(SlowDrain)),
        ExpectSlowClose = parse.GetValue(ExpectSlowClose),
        DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(DrainTimeout)),
        Timeout = TimeSpan.FromSeconds(parse.GetValue(Timeout)),
        ReceiveBuffer = parse.GetValue(ReceiveBuffer),
        ServerPids = parse.GetValue(ServerPid)!,
        StatsUrl = parse.GetValue(StatsUrl),
        Label = parse.GetValue(Label)!,
        JsonPath = parse.GetValue(Json),
        Quiet = parse.GetValue(Quiet),
        InlineCompletions = parse.GetValue(InlineCompletions),
    };

    private static Scenario? ParseScenario(SymbolResult result, string value)
    {
        switch (value.ToLowerInvariant())
        {
            case "fanout": return Scenario.Fanout;
            case "idle": return Scenario.Idle;
            case "churn": return Scenario.Churn;
            case "slow": return Scenario.Slow;
            case var option when option.StartsWith('-'):
                result.AddError($"unknown option {value}");
                return null;
            default:
                result.AddError($"unknown scenario '{value}' (fanout, idle, churn, slow)");
                return null;
        }
    }

    /// <summary>Runs one of the tool's own parsers (loopback checks included) and turns its exception into a parse error.</summary>
    private static T? Convert<T>(ArgumentResult result, Func<string, T> parse)
    {
        try
        {
            return parse(result.Tokens[0].Value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            result.AddError($"{Name(result)}: {e.Message}");
            return default;
        }
    }

    private static int[] ParsePids(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(pid =>
            int.TryParse(pid, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new FormatException($"'{pid}' is not a process id"))];

    private static string Name(ArgumentResult result) => (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;

    private static Option<int> Int(string name, int defaultValue, int min, int max, string description) => new(name)
    {
        Description = description, DefaultValueFactory = _ => defaultValue, CustomParser = r => Integer(r, min, max) ?? defaultValue,
    };

    private static Option<int?> OptionalInt(string name, int min, int max, string description) => new(name)
    {
        Description = description, CustomParser = r => Integer(r, min, max),
    };

    private static Option<double> Number(string name, double defaultValue, double min, double max, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => InRange(r, double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null, min, max, "a number") ?? defaultValue,
    };

    private static Option<double> Seconds(string name, double defaultValue, string description) =>
        Number(name, defaultValue, 0, 86_400, description);

    private static int? Integer(ArgumentResult result, int min, int max) =>
        InRange(result, int.TryParse(result.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null, min, max, "an integer");

    private static T? InRange<T>(ArgumentResult result, T? value, T min, T max, string kind) where T : struct, IComparable<T>
    {
        if (value is { } v && v.CompareTo(min) >= 0 && v.CompareTo(max) <= 0)
            return v;
        result.AddError($"{Name(result)} must be {kind} in [{min}, {max}]");
        return null;
    }
}
