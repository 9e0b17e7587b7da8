using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorPush.LoadTest;

/// <summary>A hand-written SVG: one small bar chart per headline metric, one bar per server.</summary>
public static class SvgChart
{
    private const int PanelWidth = 330;
    private const int PanelHeight = 230;
    private const int Columns = 3;

    private static readonly Dictionary<string, string> Colors = new()
    {
        ["actorpush"] = "#d9480f",
        ["kestrel-plain"] = "#1c7ed6",
        ["go-original"] = "#2b8a3e",
        ["node-ws"] = "#7048e8",
    };

    private sealed record Panel(string Title, string Unit, Func<RunReport, double?> Value, string Scenario, bool LowerIsBetter);

    public static string Build(SortedDictionary<string, SortedDictionary<string, RunReport>> runs, JsonObject meta)
    {
        var panels = new List<Panel>
        {
            new("Fan-out 2k: deliveries/s", "", r => r.DeliveriesPerSecond, "fanout-2k", false),
            new("Fan-out 10k: deliveries/s", "", r => r.DeliveriesPerSecond, "fanout-10k", false),
            new("Fixed rate: p99 latency", "ms", r => r.LatencyUs.P99 / 1000.0, "latency", true),
            new("RSS per idle connection", "KiB", r => r.Server?.RssPerConnectionKiB, "idle", true),
            new("Connect storm: connects/s", "", r => r.ConnectsPerSecond, "storm", false),
            new("CPU s per 1M deliveries (2k)", "s", r => r.Server?.CpuSecondsPerMillionDeliveries, "fanout-2k", true),
            new("Cluster (all nodes on CPU 0): deliveries/s", "", r => r.DeliveriesPerSecond, "cluster", false),
        };
        panels.RemoveAll(p => !runs.ContainsKey(p.Scenario));

        var rows = (panels.Count + Columns - 1) / Columns;
        var width = PanelWidth * Columns;
        var height = rows * PanelHeight + 70;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">ActorPush benchmark {Esc(meta["timestamp"]?.ToString() ?? "")} ({Esc(meta["mode"]?.ToString() ?? "")}; {Esc(meta["cpus"]?.ToString() ?? "?")} cores, server on CPU 0, load tool on CPU 1)</text>\n");

        var legendX = 10;
        foreach (var server in BenchSummary.ServerOrder)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{legendX}\" y=\"32\" width=\"12\" height=\"12\" fill=\"{Colors[server]}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{legendX + 16}\" y=\"42\">{server}</text>\n");
            legendX += 120;
        }

        for (var i = 0; i < panels.Count; i++)
        {
            var x0 = (i % Columns) * PanelWidth;
            var y0 = 55 + (i / Columns) * PanelHeight;
            AppendPanel(svg, panels[i], runs[panels[i].Scenario], x0, y0);
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void AppendPanel(StringBuilder svg, Panel panel, SortedDictionary<string, RunReport> byServer, int x0, int y0)
    {
        const int top = 28, bottom = 40, left = 16;
        var plotHeight = PanelHeight - top - bottom;
        var values = byServer.Select(kv => (Server: kv.Key, Value: panel.Value(kv.Value) ?? 0, kv.Value.Passed)).ToList();
        var max = Math.Max(values.Count == 0 ? 1 : values.Max(v => v.Value), 1e-9);
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{x0 + left}\" y=\"{y0 + 16}\" font-size=\"12\" font-weight=\"bold\">{Esc(panel.Title)}{(panel.LowerIsBetter ? " (lower is better)" : "")}</text>\n");
        var barWidth = Math.Min(56, (PanelWidth - 2 * left) / Math.Max(1, values.Count) - 14);
        for (var j = 0; j < values.Count; j++)
        {
            var (server, value, passed) = values[j];
            var h = (int)Math.Round(value / max * plotHeight);
            var x = x0 + left + 8 + j * (barWidth + 14);
            var y = y0 + top + plotHeight - h;
            var color = Colors.GetValueOrDefault(server, "#868e96");
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{x}\" y=\"{y}\" width=\"{barWidth}\" height=\"{Math.Max(h, 1)}\" fill=\"{color}\"{(passed ? "" : " fill-opacity=\"0.45\" stroke=\"#c92a2a\" stroke-dasharray=\"3 2\"")}><title>{Esc(server)}: {Label(value, panel.Unit)}</title></rect>\n");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{x + barWidth / 2}\" y=\"{y - 3}\" text-anchor=\"middle\">{Esc(Label(value, panel.Unit))}</text>\n");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{x + barWidth / 2}\" y=\"{y0 + top + plotHeight + 14}\" text-anchor=\"middle\" font-size=\"10\">{Esc(server)}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{x0 + left}\" y1=\"{y0 + top + plotHeight}\" x2=\"{x0 + PanelWidth - left}\" y2=\"{y0 + top + plotHeight}\" stroke=\"#495057\"/>\n");
    }

    private static string Label(double value, string unit)
    {
        var text = value >= 1_000_000 ? (value / 1e6).ToString("F2", CultureInfo.InvariantCulture) + "M"
            : value >= 10_000 ? (value / 1e3).ToString("F0", CultureInfo.InvariantCulture) + "k"
            : value >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture)
            : value.ToString("F2", CultureInfo.InvariantCulture);
        return unit.Length == 0 ? text : text + " " + unit;
    }

    private static string Esc(string text) => SecurityElement.Escape(text) ?? "";
}
