using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>
/// One scrape of <c>GET /metrics</c>, parsed from the Prometheus text format: every sample line as
/// <c>name{label="value",...}</c> (OpenTelemetry's <c>otel_scope_*</c> labels left out) and its value.
/// </summary>
public sealed partial class MetricsScrape
{
    private readonly Dictionary<string, double> _samples;

    private MetricsScrape(Dictionary<string, double> samples) => _samples = samples;

    /// <summary>Every metric name with at least one sample.</summary>
    public IReadOnlySet<string> Names => _samples.Keys.Select(key => key.Split('{')[0]).ToHashSet();

    public static async Task<MetricsScrape> FromAsync(Uri baseUri, string? apiKey = null)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = Deadlines.Default };
        if (apiKey is not null)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {text}");
        return Parse(text);
    }

    public static MetricsScrape Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .Where(pair => !pair.Groups["key"].Value.StartsWith("otel_scope_", StringComparison.Ordinal))
                .Select(pair => $"{pair.Groups["key"].Value}=\"{pair.Groups["value"].Value}\"");
            var key = match.Groups["name"].Value + "{" + string.Join(",", labels) + "}";
            samples[key] = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }

        return new MetricsScrape(samples);
    }

    /// <summary>The sample of <paramref name="name"/> with exactly <paramref name="labels"/> (like <c>code="4008"</c>); 0 when absent.</summary>
    public double Value(string name, params string[] labels) =>
        _samples.GetValueOrDefault(name + "{" + string.Join(",", labels) + "}");

    /// <summary>The sum of every sample of <paramref name="name"/>, whatever its labels.</summary>
    public double Sum(string name) =>
        _samples.Where(sample => sample.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(sample => sample.Value);

    public bool Has(string name, params string[] labels) => _samples.ContainsKey(name + "{" + string.Join(",", labels) + "}");

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?\s*$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)",?""")]
    private static partial Regex LabelPair();
}
