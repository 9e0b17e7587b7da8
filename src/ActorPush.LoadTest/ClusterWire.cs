using System.Text.Json;

namespace ActorPush.LoadTest;

/// <summary>
/// What the nodes of an ActorPush cluster sent each other during the load, read from <c>GET /api/stats</c>
/// (<c>--stats-url</c>) before the first publish and after the drain: node batches, the pushes and commands in them,
/// and their serialized bytes (ActorPush's cluster serializer counts them as it writes them).
/// </summary>
public static class ClusterWire
{
    /// <summary>The cluster-wide totals now; null (and a failure noted) when the stats cannot be read.</summary>
    public static async Task<WireCounters?> ReadAsync(Uri statsUrl, RunReport report, CancellationToken cancel)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var stats = JsonDocument.Parse(await http.GetStringAsync(statsUrl, cancel).ConfigureAwait(false));
            var root = stats.RootElement;
            if (root.GetProperty("unanswered").GetArrayLength() > 0)
            {
                report.Failures.Add($"{statsUrl}: nodes did not answer the stats: {root.GetProperty("unanswered")}");
                return null;
            }

            return new WireCounters(
                root.GetProperty("nodes").GetInt32(),
                root.GetProperty("clusterBatchesSent").GetInt64(),
                root.GetProperty("clusterItemsSent").GetInt64(),
                root.GetProperty("clusterBytesSent").GetInt64(),
                root.GetProperty("outboxDropped").GetInt64());
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or TaskCanceledException)
        {
            report.Failures.Add($"{statsUrl}: cannot read the cluster's wire counters ({e.Message})");
            return null;
        }
    }

    /// <summary>The difference between two readings, per publish and per other node.</summary>
    public static ClusterWireReport Between(WireCounters before, WireCounters after, long published)
    {
        var batches = after.Batches - before.Batches;
        var items = after.Items - before.Items;
        var bytes = after.Bytes - before.Bytes;
        var perPeer = (double)published * Math.Max(after.Nodes - 1, 0);
        return new ClusterWireReport
        {
            Nodes = after.Nodes,
            Batches = batches,
            Items = items,
            Bytes = bytes,
            OutboxDropped = after.OutboxDropped - before.OutboxDropped,
            ItemsPerPublishPerPeer = perPeer > 0 ? Math.Round(items / perPeer, 3) : 0,
            BatchesPerPublishPerPeer = perPeer > 0 ? Math.Round(batches / perPeer, 3) : 0,
            BytesPerPublishPerPeer = perPeer > 0 ? Math.Round(bytes / perPeer, 1) : 0,
            ItemsPerBatch = batches > 0 ? Math.Round(items / (double)batches, 1) : 0,
        };
    }
}

/// <summary>One reading of a cluster's totals.</summary>
public sealed record WireCounters(int Nodes, long Batches, long Items, long Bytes, long OutboxDropped);
