using System.Text.Json;
using System.Text.RegularExpressions;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Observability;

/// <summary>deploy/grafana-dashboard.json and deploy/actorpush-alerts.yml only name metrics a real server exports.</summary>
public sealed partial class DashboardTests
{
    // PromQL words that are not metric names.
    private static readonly HashSet<string> PromQlWords =
    [
        "sum", "min", "max", "avg", "count", "by", "without", "rate", "irate", "increase", "histogram_quantile",
        "or", "and", "unless", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    ];

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alerts_query_is_in_a_real_scrape()
    {
        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(ServerProcess.RepoRoot, "deploy", "grafana-dashboard.json")));
        var expressions = Expressions(dashboard.RootElement).ToList();
        var alerts = await File.ReadAllLinesAsync(Path.Combine(ServerProcess.RepoRoot, "deploy", "actorpush-alerts.yml"));
        expressions.AddRange(alerts.Select(line => line.Trim()).Where(line => line.StartsWith("expr:", StringComparison.Ordinal)).Select(line => line[5..]));
        var used = expressions.SelectMany(MetricNames).Where(name => name != "up").ToHashSet(); // up: Prometheus' own
        Assert.True(used.Count >= 15, $"found only {used.Count} metric names in {expressions.Count} queries");

        // A real server with traffic: histograms and Kestrel's series appear once something happened.
        await using var node = await ConfiguredServerProcess.StartAsync("actorpush.memory.trim = on");
        using var client = await ServerProcess.ConnectAsync(node.Port, "alice");
        await client.SendTextAsync("hello");
        Assert.Equal("hello", await client.ReceiveTextAsync());
        var scrape = await MetricsSeriesTests.ScrapeWhenAsync(node.BaseUri, now => now.Has("actorpush_fanout_latency_seconds_count"));

        Assert.Empty(used.Where(name => !scrape.Names.Contains(name)).Order());
    }

    private static IEnumerable<string> Expressions(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "expr")
                        yield return property.Value.GetString()!;
                    else
                        foreach (var expr in Expressions(property.Value))
                            yield return expr;
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    foreach (var expr in Expressions(item))
                        yield return expr;
                break;
        }
    }

    /// <summary>The metric names in a PromQL expression: identifiers outside label matchers, groupings and ranges.</summary>
    private static IEnumerable<string> MetricNames(string expression)
    {
        var bare = Braces().Replace(Grouping().Replace(Ranges().Replace(Strings().Replace(expression, ""), ""), ""), "");
        return Identifiers().Matches(bare).Select(match => match.Value).Where(word => !PromQlWords.Contains(word));
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Braces();

    [GeneratedRegex(@"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifiers();
}
