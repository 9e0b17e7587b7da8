using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorPush.LoadTest;

/// <summary>Prints a report as a two-column table, or serialises it as JSON.</summary>
public static class ReportPrinter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static string ToJson(RunReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static string ToTable(RunReport r)
    {
        var rows = new List<(string, string)>
        {
            ("server", r.Label),
            ("scenario", r.Scenario),
            ("target", r.Target),
            ("result", r.Passed ? "PASS" : "FAIL: " + string.Join("; ", r.Failures)),
            ("connected", $"{r.Connected:N0} / {r.ClientsRequested:N0} over {r.Sources} source address(es)"),
            ("connect errors", r.ConnectErrors == 0 ? "0" : $"{r.ConnectErrors:N0} ({string.Join(", ", r.ConnectErrorKinds.Select(k => $"{k.Key}: {k.Value}"))})"),
            ("connect time", $"{r.ConnectSeconds:F2} s, {r.ConnectsPerSecond:N0} connections/s"),
            ("connect latency", $"p50 {r.ConnectP50Ms:F2} ms, p99 {r.ConnectP99Ms:F2} ms, max {r.ConnectMaxMs:F2} ms"),
        };

        if (r.Senders > 0)
        {
            rows.Add(("load", $"{r.Senders} sender(s) x {r.MessagesPerSender:N0} messages of {r.PayloadBytes} B, {r.Pacing}"));
            rows.Add(("messages sent", r.MessagesSent.ToString("N0", CultureInfo.InvariantCulture) + (r.Stalled ? " (stalled)" : "")));
            rows.Add(("deliveries", $"{r.DeliveriesReceived:N0} received / {r.DeliveriesExpected:N0} expected"));
            rows.Add(("missing / dup / order", $"{r.Missing:N0} / {r.Duplicates:N0} / {r.OrderViolations:N0}"));
            rows.Add(("deliveries/s", $"{r.DeliveriesPerSecond:N0} (over {r.DeliverySeconds:F2} s)"));
            var l = r.LatencyUs;
            rows.Add(("latency", $"p50 {Ms(l.P50)}  p90 {Ms(l.P90)}  p99 {Ms(l.P99)}  p99.9 {Ms(l.P999)}  max {Ms(l.Max)}"));
        }

        if (r.ClosedByServer > 0)
        {
            rows.Add(("closed by server", r.ClosedByServer.ToString("N0", CultureInfo.InvariantCulture)));
        }

        rows.Add(("tool CPU", $"{r.ToolCpuSeconds:F2} s ({r.ToolCpuShareOfLoad:P0} of one core during the load), connect {r.ToolCpuSecondsConnect:F2} s"));
        rows.Add(("tool GC", $"{r.ToolGcConnect} collection(s), {r.ToolGcPauseMsConnect:F1} ms paused while connecting"));
        if (r.Server is { } s)
        {
            rows.Add(("server RSS", $"{s.RssBeforeKiB:N0} KiB before, {s.RssConnectedKiB:N0} KiB connected, {s.RssAfterKiB:N0} KiB after, peak {s.PeakRssKiB:N0} KiB"));
            rows.Add(("server RSS/conn", s.RssPerConnectionKiB is { } per ? $"{per:F2} KiB" : "-"));
            rows.Add(("server CPU", $"connect {s.CpuSecondsConnect:F2} s, load {s.CpuSecondsLoad:F2} s, {s.CpuSecondsPerMillionDeliveries:F3} s per million deliveries"));
        }

        if (r.Churn is { } c)
        {
            rows.Add(("churn", $"{c.Connects:N0} connects, {c.Disconnects:N0} disconnects, {c.ConnectErrors} errors, {c.DeliveriesReceived:N0} deliveries"));
            rows.Add(("churn gaps / dup / order", $"{c.GapsInsideWindow:N0} / {c.Duplicates:N0} / {c.OrderViolations:N0}"));
        }

        if (r.Slow is { } w)
        {
            rows.Add(("slow clients", $"{w.SlowClients} slow, {w.FastClients} fast; slow ones received {w.SlowDeliveries:N0}"));
            rows.Add(("slow closes", $"codes [{string.Join(", ", w.CloseCodes.Select(k => $"{k.Key}: {k.Value}"))}], without close frame {w.ClosedWithoutFrame}, still open {w.StillOpen}"));
        }

        if (r.Cluster is { } wire)
        {
            rows.Add(("cluster wire", $"{wire.Nodes} nodes: {wire.Items:N0} pushes in {wire.Batches:N0} batches, {wire.Bytes:N0} B; per publish per other node " +
                                      $"{wire.ItemsPerPublishPerPeer:F2} pushes, {wire.BatchesPerPublishPerPeer:F3} batches, {wire.BytesPerPublishPerPeer:F1} B; outbox dropped {wire.OutboxDropped:N0}"));
        }

        rows.Add(("wall time", $"{r.WallSeconds:F1} s"));

        var width = rows.Max(row => row.Item1.Length);
        var text = new StringBuilder();
        foreach (var (name, value) in rows)
        {
            text.Append(name.PadRight(width)).Append("  ").AppendLine(value);
        }

        return text.ToString();
    }

    private static string Ms(long micros) => (micros / 1000.0).ToString("F2", CultureInfo.InvariantCulture) + " ms";
}
