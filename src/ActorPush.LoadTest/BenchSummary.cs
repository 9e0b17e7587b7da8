using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorPush.LoadTest;

/// <summary>
/// <c>summarize --results DIR [--docs docs/performance.md]</c>: reads the per-run JSON reports that
/// bench/run.sh wrote (<c>scenario__server.json</c>, repeated runs as <c>scenario__server__r2.json</c> ...,
/// plus <c>meta.json</c>) and writes results.json, summary.md (one table per scenario, servers as rows,
/// ratios against ActorPush) and chart.svg. A repeated scenario is reported by its median run (by its
/// headline number), with the spread of all runs beside it: on a shared 2-core machine one run of a
/// server can differ from the next by a fifth, so a single run decides nothing.
/// </summary>
public static class BenchSummary
{
    public const string Subject = "actorpush";
    public const string DocsBegin = "<!-- bench:begin (written by bench/run.sh; edit outside these markers) -->";
    public const string DocsEnd = "<!-- bench:end -->";

    public static readonly string[] ServerOrder = ["actorpush", "kestrel-plain", "go-original", "node-ws"];

    private static readonly JsonSerializerOptions ReadOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <param name="results">A bench/results/&lt;timestamp&gt; directory.</param>
    /// <param name="docs">A markdown file whose bench markers get the tables; null for none.</param>
    public static int Run(string results, string? docs)
    {
        var meta = File.Exists(Path.Combine(results, "meta.json"))
            ? JsonNode.Parse(File.ReadAllText(Path.Combine(results, "meta.json")))!.AsObject()
            : new JsonObject();
        var runs = LoadRuns(results, out var repeats);

        var combined = new JsonObject { ["meta"] = meta.DeepClone() };
        var runsNode = new JsonObject();
        foreach (var (scenario, byServer) in runs)
        {
            var node = new JsonObject();
            foreach (var (server, report) in byServer)
            {
                var reportNode = JsonNode.Parse(ReportPrinter.ToJson(report))!;
                if (repeats.TryGetValue((scenario, server), out var all) && all.Count > 1)
                {
                    reportNode["repeats"] = new JsonArray(all.Select(r => (JsonNode)JsonValue.Create(Headline(scenario, r))).ToArray());
                }

                node[server] = reportNode;
            }

            runsNode[scenario] = node;
        }

        combined["runs"] = runsNode;
        File.WriteAllText(Path.Combine(results, "results.json"), combined.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var summary = BuildMarkdown(meta, runs, repeats);
        File.WriteAllText(Path.Combine(results, "summary.md"), summary);
        File.WriteAllText(Path.Combine(results, "chart.svg"), SvgChart.Build(runs, meta));
        Console.Out.Write(summary);

        if (docs is not null)
        {
            UpdateDocs(docs, summary, Path.GetFileName(Path.GetFullPath(results).TrimEnd('/')));
        }

        return 0;
    }

    /// <summary>
    /// Every (scenario, server) of <paramref name="dir"/> with its representative run: the median by
    /// <see cref="Headline"/> when the pair ran more than once, or the first failed run if any failed.
    /// <paramref name="repeats"/> gets all runs of each pair, in file order.
    /// </summary>
    public static SortedDictionary<string, SortedDictionary<string, RunReport>> LoadRuns(string dir, out Dictionary<(string Scenario, string Server), List<RunReport>> repeats)
    {
        repeats = [];
        foreach (var file in Directory.GetFiles(dir, "*__*.json").Order(StringComparer.Ordinal))
        {
            var parts = Path.GetFileNameWithoutExtension(file).Split("__");
            var report = JsonSerializer.Deserialize<RunReport>(File.ReadAllText(file), ReadOptions);
            if (report is null || parts.Length is < 2 or > 3)
            {
                continue;
            }

            var key = (parts[0], parts[1]);
            if (!repeats.TryGetValue(key, out var list))
            {
                repeats[key] = list = [];
            }

            list.Add(report);
        }

        var runs = new SortedDictionary<string, SortedDictionary<string, RunReport>>(StringComparer.Ordinal);
        foreach (var ((scenario, server), all) in repeats)
        {
            if (!runs.TryGetValue(scenario, out var byServer))
            {
                runs[scenario] = byServer = new SortedDictionary<string, RunReport>(Comparer<string>.Create(CompareServers));
            }

            byServer[server] = Representative(scenario, all);
        }

        return runs;
    }

    /// <summary>The number a run is ranked by: deliveries/s, KiB per idle connection or connects/s.</summary>
    public static double Headline(string scenario, RunReport report) => scenario switch
    {
        "idle" => report.Server?.RssPerConnectionKiB ?? double.NaN,
        "storm" => report.ConnectsPerSecond,
        _ => report.DeliveriesPerSecond,
    };

    private static RunReport Representative(string scenario, List<RunReport> all)
    {
        if (all.FirstOrDefault(r => !r.Passed) is { } failed)
        {
            return failed;
        }

        var sorted = all.OrderBy(r => Headline(scenario, r)).ToList();
        return sorted[(sorted.Count - 1) / 2];
    }

    private static string Spread(string scenario, string server, Dictionary<(string, string), List<RunReport>> repeats, string format)
    {
        if (!repeats.TryGetValue((scenario, server), out var all) || all.Count < 2)
        {
            return "1 run";
        }

        var values = all.Select(r => Headline(scenario, r)).Order().ToList();
        return string.Create(CultureInfo.InvariantCulture, $"median of {values.Count} ({values[0].ToString(format, CultureInfo.InvariantCulture)}–{values[^1].ToString(format, CultureInfo.InvariantCulture)})");
    }

    /// <summary>
    /// How often ActorPush was ahead of <paramref name="baseline"/> in the same round (the rounds run in turns, so a
    /// pair shares the machine's minute): a reading that a slow phase of the shared machine cannot tip, beside the
    /// medians. Empty for a single run.
    /// </summary>
    private static string Pairs(string scenario, string baseline, Dictionary<(string, string), List<RunReport>> repeats)
    {
        if (!repeats.TryGetValue((scenario, Subject), out var ours) || !repeats.TryGetValue((scenario, baseline), out var theirs) ||
            Math.Min(ours.Count, theirs.Count) < 2)
        {
            return "";
        }

        var ratios = ours.Zip(theirs, (a, b) => Headline(scenario, a) / Headline(scenario, b)).ToList();
        var ahead = ratios.Count(r => r >= 1);
        var each = string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture, $"; ahead in {ahead} of {ratios.Count} rounds, each round's ratio {each}");
    }

    public static int CompareServers(string a, string b)
    {
        var ia = Array.IndexOf(ServerOrder, a);
        var ib = Array.IndexOf(ServerOrder, b);
        ia = ia < 0 ? int.MaxValue : ia;
        ib = ib < 0 ? int.MaxValue : ib;
        return ia != ib ? ia.CompareTo(ib) : string.CompareOrdinal(a, b);
    }

    private static string BuildMarkdown(JsonObject meta, SortedDictionary<string, SortedDictionary<string, RunReport>> runs, Dictionary<(string, string), List<RunReport>> repeats)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Latest run: {Str(meta, "timestamp")} ({Str(meta, "mode")} mode, commit {Str(meta, "gitCommit")})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Machine: {Str(meta, "cpuModel")}, {Str(meta, "cpus")} cores, {Num(meta, "memTotalKiB") / 1024 / 1024:F0} GiB RAM, {Str(meta, "os")}, kernel {Str(meta, "kernel")}; " +
            $".NET SDK {Str(meta, "dotnet")}, {Str(meta, "go")}, Node {Str(meta, "node")} with ws {Str(meta, "ws")}; open-file limit {Str(meta, "fdLimit")}. " +
            $"Load average before/after the run: {Str(meta, "loadAvgBefore")} / {Str(meta, "loadAvgAfter")} (anything else running on the machine skews the numbers).");
        md.AppendLine();
        md.AppendLine("Each scenario starts a fresh server process pinned to CPU 0 (`taskset -c 0`); the load tool runs pinned to CPU 1. " +
                      "Ratios are **ActorPush ÷ that server** (throughput: above 1 is better for ActorPush; latency, memory, CPU: below 1 is better).");
        md.AppendLine();

        AppendTargets(md, runs, repeats);
        foreach (var scenario in new[] { "fanout-2k", "fanout-10k", "latency" })
        {
            if (runs.TryGetValue(scenario, out var byServer))
            {
                AppendFanout(md, scenario, byServer, repeats);
            }
        }

        if (runs.TryGetValue("idle", out var idle))
        {
            AppendIdle(md, idle, repeats);
        }

        if (runs.TryGetValue("storm", out var storm))
        {
            AppendStorm(md, storm, repeats);
        }

        if (runs.TryGetValue("churn", out var churn))
        {
            AppendChurn(md, churn);
        }

        if (runs.TryGetValue("slow", out var slow))
        {
            runs.TryGetValue("slow-ref", out var reference);
            AppendSlow(md, slow, reference);
        }

        if (runs.TryGetValue("cluster", out var cluster))
        {
            AppendCluster(md, cluster, repeats);
        }

        md.AppendLine("Chart: `chart.svg` next to this summary in `bench/results/<timestamp>/`.");
        return md.ToString();
    }

    private static void AppendTargets(StringBuilder md, SortedDictionary<string, SortedDictionary<string, RunReport>> runs, Dictionary<(string, string), List<RunReport>> repeats)
    {
        md.AppendLine("#### Targets");
        md.AppendLine();
        md.AppendLine("| target | goal | now | met |");
        md.AppendLine("|---|---|---|---|");
        foreach (var scenario in new[] { "fanout-2k", "fanout-10k" })
        {
            if (runs.TryGetValue(scenario, out var f) && f.TryGetValue(Subject, out var ap) && f.TryGetValue("kestrel-plain", out var kb) && kb.DeliveriesPerSecond > 0)
            {
                var ratio = ap.DeliveriesPerSecond / kb.DeliveriesPerSecond;
                var p99 = ap.LatencyUs.P99 <= kb.LatencyUs.P99;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {scenario} deliveries/s vs plain Kestrel | ≥ 1.00× | {ratio:F2}× ({ap.DeliveriesPerSecond:N0} vs {kb.DeliveriesPerSecond:N0}; {Spread(scenario, Subject, repeats, "N0")} vs {Spread(scenario, "kestrel-plain", repeats, "N0")}) | {(ratio >= 1 ? "yes" : "no")} |");
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {scenario} p99 vs plain Kestrel (same runs) | no worse | {Ms(ap.LatencyUs.P99)} vs {Ms(kb.LatencyUs.P99)} ms | {(p99 ? "yes" : "no")} |");
            }
        }

        if (runs.TryGetValue("idle", out var idle) && idle.TryGetValue(Subject, out var i) && i.Server?.RssPerConnectionKiB is { } per)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| server RSS per idle connection | ≤ 5.5 KiB | {per:F2} KiB ({Spread("idle", Subject, repeats, "F2")}) | {(per <= 5.5 ? "yes" : "no")} |");
        }

        // A reconnect storm: at least the Go original's connect rate, and no client left waiting for a SYN retry.
        if (runs.TryGetValue("storm", out var storm) && storm.TryGetValue(Subject, out var s))
        {
            if (storm.TryGetValue("go-original", out var go) && go.ConnectsPerSecond > 0)
            {
                var ratio = s.ConnectsPerSecond / go.ConnectsPerSecond;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| storm connects/s vs the Go original | ≥ 1.00× | {ratio:F2}× ({s.ConnectsPerSecond:N0} vs {go.ConnectsPerSecond:N0}; {Spread("storm", Subject, repeats, "N0")} vs {Spread("storm", "go-original", repeats, "N0")}{Pairs("storm", "go-original", repeats)}) | {(ratio >= 1 ? "yes" : "no")} |");
            }

            var p99 = StormMedianP99(Subject, repeats, s);
            var allConnected = repeats.TryGetValue(("storm", Subject), out var stormRuns) ? stormRuns.All(r => r.Connected == r.ClientsRequested) : s.Connected == s.ClientsRequested;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| storm connect p99 ({s.ClientsRequested:N0} connections; the median of the runs' p99s: {StormP99s(Subject, repeats)} ms) | < 300 ms | {p99:F1} ms | {(p99 < 300 && allConnected ? "yes" : "no")} |");
        }

        // Scale-out: two nodes sharing one core deliver nearly what one node does, with nothing lost or reordered.
        if (runs.TryGetValue("cluster", out var cluster) && cluster.TryGetValue(ClusterOne, out var one) && one.DeliveriesPerSecond > 0 &&
            cluster.TryGetValue(ClusterTwo, out var two))
        {
            var ratio = two.DeliveriesPerSecond / one.DeliveriesPerSecond;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| cluster: 2 nodes vs 1 node deliveries/s (one core for all nodes), nothing missing, duplicated or reordered | ≥ 0.90× | {ratio:F2}× ({two.DeliveriesPerSecond:N0} vs {one.DeliveriesPerSecond:N0}; {Spread("cluster", ClusterTwo, repeats, "N0")} vs {Spread("cluster", ClusterOne, repeats, "N0")}) | {(ratio >= 0.9 && two.Passed ? "yes" : "no")} |");
        }

        md.AppendLine();
    }

    private static void AppendFanout(StringBuilder md, string scenario, SortedDictionary<string, RunReport> byServer, Dictionary<(string, string), List<RunReport>> repeats)
    {
        var first = byServer.Values.First();
        var title = scenario == "latency" ? "Latency at a fixed publish rate" : "Fan-out";
        md.AppendLine(CultureInfo.InvariantCulture,
            $"#### {title} (`{scenario}`): {first.ClientsRequested:N0} clients over {first.Sources} source address(es), {first.Senders} sender(s) × {first.MessagesPerSender:N0} messages of {first.PayloadBytes} B, {first.Pacing}");
        md.AppendLine();
        md.AppendLine("| server | result | deliveries/s | runs | ratio | p50 ms | ratio | p99 ms | ratio | p99.9 ms | max ms | missing / dup / order | server CPU s per 1M deliveries | ratio | tool CPU (share of its core) |");
        md.AppendLine("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|");
        byServer.TryGetValue(Subject, out var ap);
        foreach (var (server, r) in byServer)
        {
            var cpu = r.Server?.CpuSecondsPerMillionDeliveries;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {server} | {Result(r)} | {r.DeliveriesPerSecond:N0} | {Spread(scenario, server, repeats, "N0")} | {Ratio(ap?.DeliveriesPerSecond, r.DeliveriesPerSecond)} | {Ms(r.LatencyUs.P50)} | {Ratio(ap?.LatencyUs.P50, r.LatencyUs.P50)} | " +
                $"{Ms(r.LatencyUs.P99)} | {Ratio(ap?.LatencyUs.P99, r.LatencyUs.P99)} | {Ms(r.LatencyUs.P999)} | {Ms(r.LatencyUs.Max)} | {r.Missing:N0} / {r.Duplicates:N0} / {r.OrderViolations:N0} | " +
                $"{Fmt(cpu, "F2")} | {Ratio(ap?.Server?.CpuSecondsPerMillionDeliveries, cpu)} | {r.ToolCpuShareOfLoad:P0} |");
        }

        md.AppendLine();
    }

    private static void AppendIdle(StringBuilder md, SortedDictionary<string, RunReport> byServer, Dictionary<(string, string), List<RunReport>> repeats)
    {
        var first = byServer.Values.First();
        md.AppendLine(CultureInfo.InvariantCulture, $"#### Idle memory (`idle`): {first.ClientsRequested:N0} connections over {first.Sources} source addresses, held, then RSS sampled");
        md.AppendLine();
        md.AppendLine("| server | result | connected | errors | RSS before MiB | RSS connected MiB | KiB per connection | runs | ratio | connects/s |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---|---:|---:|");
        byServer.TryGetValue(Subject, out var ap);
        foreach (var (server, r) in byServer)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {server} | {Result(r)} | {r.Connected:N0} | {r.ConnectErrors:N0} | {Mib(r.Server?.RssBeforeKiB)} | {Mib(r.Server?.RssConnectedKiB)} | " +
                $"{Fmt(r.Server?.RssPerConnectionKiB, "F2")} | {Spread("idle", server, repeats, "F2")} | {Ratio(ap?.Server?.RssPerConnectionKiB, r.Server?.RssPerConnectionKiB)} | {r.ConnectsPerSecond:N0} |");
        }

        md.AppendLine();
    }

    private static void AppendStorm(StringBuilder md, SortedDictionary<string, RunReport> byServer, Dictionary<(string, string), List<RunReport>> repeats)
    {
        var first = byServer.Values.First();
        md.AppendLine(CultureInfo.InvariantCulture, $"#### Connect storm (`storm`): {first.ClientsRequested:N0} connections as fast as possible over {first.Sources} source addresses");
        md.AppendLine();
        md.AppendLine("| server | result | connected | errors | connects/s | runs | ratio | connect p50 ms | p99 ms | p99 of each run | max ms | server CPU s for the storm | CPU µs per connect | server core busy | load tool core busy |");
        md.AppendLine("|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|");
        byServer.TryGetValue(Subject, out var ap);
        foreach (var (server, r) in byServer)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {server} | {Result(r)} | {r.Connected:N0} | {r.ConnectErrors:N0}{ErrorKinds(r)} | {r.ConnectsPerSecond:N0} | {Spread("storm", server, repeats, "N0")} | {Ratio(ap?.ConnectsPerSecond, r.ConnectsPerSecond)} | " +
                $"{r.ConnectP50Ms:F1} | {r.ConnectP99Ms:F1} | {StormP99s(server, repeats)} | {r.ConnectMaxMs:F1} | {Fmt(r.Server?.CpuSecondsConnect, "F2")} | " +
                $"{Fmt(r.Server?.CpuSecondsConnect * 1e6 / Math.Max(r.Connected, 1), "F0")} | {Busy(r.Server?.CpuSecondsConnect, r.ConnectSeconds)} | {Busy(r.ToolCpuSecondsConnect, r.ConnectSeconds)} |");
        }

        md.AppendLine();
        md.AppendLine("A core busy near 100 % is the side that set the pace: each process is pinned to its own core, so the storm runs as fast as the busier of the two allows.");
        md.AppendLine();
    }

    /// <summary>CPU seconds over the seconds they were spent in, as a share of one core; "-" where either is unknown.</summary>
    private static string Busy(double? cpuSeconds, double seconds) =>
        cpuSeconds is { } cpu && cpu > 0 && seconds > 0 ? (cpu / seconds).ToString("P0", CultureInfo.InvariantCulture) : "-";

    /// <summary>Every storm run's connect p99 of <paramref name="server"/>, in the order they ran.</summary>
    private static string StormP99s(string server, Dictionary<(string, string), List<RunReport>> repeats) =>
        repeats.TryGetValue(("storm", server), out var all)
            ? string.Join(", ", all.Select(r => r.ConnectP99Ms.ToString("F0", CultureInfo.InvariantCulture)))
            : "";

    /// <summary>The median of the connect p99s of <paramref name="server"/>'s storm runs (a run's own p99 is one sample of a noisy tail).</summary>
    private static double StormMedianP99(string server, Dictionary<(string, string), List<RunReport>> repeats, RunReport fallback)
    {
        if (!repeats.TryGetValue(("storm", server), out var all) || all.Count < 2)
            return fallback.ConnectP99Ms;
        var sorted = all.Select(r => r.ConnectP99Ms).Order().ToList();
        return sorted[(sorted.Count - 1) / 2];
    }

    private static void AppendChurn(StringBuilder md, SortedDictionary<string, RunReport> byServer)
    {
        var first = byServer.Values.First();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"#### Churn (`churn`): fan-out to {first.ClientsRequested:N0} stable clients ({first.Senders} × {first.MessagesPerSender:N0} messages, {first.Pacing}) while a pool of clients is replaced continuously");
        md.AppendLine();
        md.AppendLine("| server | result | stable deliveries | missing / dup / order | churn connects / disconnects / errors | churning clients' deliveries | their gaps / dup / order | p99 ms |");
        md.AppendLine("|---|---|---:|---|---|---:|---|---:|");
        foreach (var (server, r) in byServer)
        {
            var c = r.Churn ?? new ChurnReport();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {server} | {Result(r)} | {r.DeliveriesReceived:N0} / {r.DeliveriesExpected:N0} | {r.Missing:N0} / {r.Duplicates:N0} / {r.OrderViolations:N0} | " +
                $"{c.Connects:N0} / {c.Disconnects:N0} / {c.ConnectErrors:N0}{(c.ConnectErrorKinds.Count == 0 ? "" : " (" + string.Join(", ", c.ConnectErrorKinds.Select(k => $"{k.Key}: {k.Value}")) + ")")} | {c.DeliveriesReceived:N0} | {c.GapsInsideWindow:N0} / {c.Duplicates:N0} / {c.OrderViolations:N0} | {Ms(r.LatencyUs.P99)} |");
        }

        md.AppendLine();
    }

    private static void AppendSlow(StringBuilder md, SortedDictionary<string, RunReport> slow, SortedDictionary<string, RunReport>? reference)
    {
        var first = slow.Values.First();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"#### Slow consumers (`slow`): {first.ClientsRequested:N0} clients, {first.Slow?.SlowClients ?? 0} of them stop reading; {first.Senders} × {first.MessagesPerSender:N0} messages of {first.PayloadBytes:N0} B, {first.Pacing}");
        md.AppendLine();
        md.AppendLine("`slow-ref` is the same run with no slow clients. The fast clients' p99 should stay close to it; the slow ones should be cut off with 4008.");
        md.AppendLine();
        md.AppendLine("| server | result | fast clients: missing / dup / order | fast p99 ms (slow-ref) | fast p99 ms (slow) | slow ÷ ref | deliveries/s (slow-ref → slow) | slow clients closed with 4008 | other close codes | closed without close frame | still open | stalled |");
        md.AppendLine("|---|---|---|---:|---:|---:|---|---:|---|---:|---:|---|");
        foreach (var (server, r) in slow)
        {
            RunReport? refRun = null;
            reference?.TryGetValue(server, out refRun);
            var w = r.Slow ?? new SlowReport();
            var other = string.Join(", ", w.CloseCodes.Where(k => k.Key != "4008").Select(k => $"{k.Key}: {k.Value}"));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {server} | {Result(r)} | {r.Missing:N0} / {r.Duplicates:N0} / {r.OrderViolations:N0} | {(refRun is null ? "-" : Ms(refRun.LatencyUs.P99))} | {Ms(r.LatencyUs.P99)} | " +
                $"{Ratio(r.LatencyUs.P99, refRun?.LatencyUs.P99)} | {(refRun is null ? "-" : refRun.DeliveriesPerSecond.ToString("N0", CultureInfo.InvariantCulture))} → {r.DeliveriesPerSecond:N0} | " +
                $"{w.CloseCodes.GetValueOrDefault("4008")} / {w.SlowClients} | {(other.Length == 0 ? "-" : other)} | {w.ClosedWithoutFrame} | {w.StillOpen} | {(r.Stalled ? "yes" : "no")} |");
        }

        md.AppendLine();
    }

    private const string ClusterOne = "actorpush-1n";
    private const string ClusterTwo = "actorpush-2n";

    private static void AppendCluster(StringBuilder md, SortedDictionary<string, RunReport> byNodes, Dictionary<(string, string), List<RunReport>> repeats)
    {
        var first = byNodes.Values.First();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"#### Cluster (`cluster`): {first.ClientsRequested:N0} clients spread round-robin over the nodes, {first.Senders} sender(s) on different nodes × {first.MessagesPerSender:N0} messages of {first.PayloadBytes} B, {first.Pacing}");
        md.AppendLine();
        md.AppendLine("Every node of the cluster is pinned to the same CPU 0 as the single node, so each row has the same CPU budget; 1 node is a plain single node " +
                      "(no seeds, no remoting). Wire columns count what the nodes sent each other during the load (`/api/stats` cluster counters: serialized batch " +
                      "bytes without Akka.Remote's envelope), per publish and per other node. Server CPU is summed over the nodes.");
        md.AppendLine();
        md.AppendLine("| nodes | result | deliveries/s | runs | vs 1 node | p50 ms | p99 ms | missing / dup / order | server CPU s per 1M deliveries | pushes per publish per other node | batches per publish per other node | bytes per publish per other node | pushes per batch | outbox dropped |");
        md.AppendLine("|---|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        byNodes.TryGetValue(ClusterOne, out var one);
        foreach (var (label, r) in byNodes)
        {
            var wire = r.Cluster;
            var peers = wire is { Nodes: > 1 };
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Nodes} ({label}) | {Result(r)} | {r.DeliveriesPerSecond:N0} | {Spread("cluster", label, repeats, "N0")} | {Ratio(r.DeliveriesPerSecond, one?.DeliveriesPerSecond)} | " +
                $"{Ms(r.LatencyUs.P50)} | {Ms(r.LatencyUs.P99)} | {r.Missing:N0} / {r.Duplicates:N0} / {r.OrderViolations:N0} | {Fmt(r.Server?.CpuSecondsPerMillionDeliveries, "F2")} | " +
                $"{(peers ? Fmt(wire!.ItemsPerPublishPerPeer, "F2") : "-")} | {(peers ? Fmt(wire!.BatchesPerPublishPerPeer, "F3") : "-")} | {(peers ? Fmt(wire!.BytesPerPublishPerPeer, "F1") : "-")} | " +
                $"{(peers ? Fmt(wire!.ItemsPerBatch, "F1") : "-")} | {(wire is null ? "-" : wire.OutboxDropped.ToString("N0", CultureInfo.InvariantCulture))} |");
        }

        md.AppendLine();
    }

    private static void UpdateDocs(string path, string summary, string stamp)
    {
        var block = $"{DocsBegin}\n\n{summary.TrimEnd()}\n\nRaw data: `bench/results/{stamp}/` (not committed; rerun `bench/run.sh`).\n\n{DocsEnd}";
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Performance\n\n";
        var begin = text.IndexOf(DocsBegin, StringComparison.Ordinal);
        var end = text.IndexOf(DocsEnd, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? text[..begin] + block + text[(end + DocsEnd.Length)..]
            : text.TrimEnd() + "\n\n## Latest benchmark\n\n" + block + "\n";
        File.WriteAllText(path, text);
        Console.Error.WriteLine($"updated {path}");
    }

    private static string Result(RunReport r) => r.Passed ? "pass" : "**fail**";

    private static string ErrorKinds(RunReport r) =>
        r.ConnectErrorKinds.Count == 0 ? "" : " (" + string.Join(", ", r.ConnectErrorKinds.Select(k => $"{k.Key}: {k.Value}")) + ")";

    private static string Ms(long micros) => (micros / 1000.0).ToString(micros < 10_000 ? "F2" : "F1", CultureInfo.InvariantCulture);

    private static string Mib(long? kib) => kib is { } k ? (k / 1024.0).ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string Fmt(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Ratio(double? subject, double? other) =>
        subject is { } s && other is { } o && o > 0 ? (s / o).ToString("F2", CultureInfo.InvariantCulture) + "×" : "-";

    private static string Str(JsonObject meta, string key) => meta[key]?.ToString() ?? "?";

    private static double Num(JsonObject meta, string key) =>
        meta[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;
}
