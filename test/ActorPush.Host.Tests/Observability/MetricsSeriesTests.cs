using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Observability;

/// <summary>
/// Scrapes /metrics of a real server process (its own process, so no other test's server shares its meter) while
/// driving traffic, and checks that every named series moves by exactly what the traffic did.
/// </summary>
public sealed class MetricsSeriesTests
{
    private const string Handshakes = "actorpush_handshakes_total";
    private const string Disconnects = "actorpush_disconnects_total";
    private const string MessagesIn = "actorpush_messages_in_total";
    private const string Deliveries = "actorpush_deliveries_total";
    private const string SentBytes = "actorpush_socket_sent_bytes_total";

    [Fact]
    public async Task Connects_refusals_broadcasts_a_slow_consumer_and_an_oversized_message_move_their_series_by_what_happened()
    {
        // A long close timeout so the slow client can still read its close frame once it resumes reading.
        await using var node = await ConfiguredServerProcess.StartAsync("""
            actorpush.client.send-queue-limit = 256 KiB
            actorpush.client.close-timeout = 60s
            """);
        var (server, port, baseUri, http) = (node.Process, node.Port, node.BaseUri, node.Http);
        var start = await MetricsScrape.FromAsync(baseUri);

        // Three connects and one refused handshake (no user_id: 400).
        using var alice = await ServerProcess.ConnectAsync(port, "alice");
        using var bob = await ServerProcess.ConnectAsync(port, "bob");
        using var slow = await ServerProcess.ConnectAsync(port, "slow");
        Assert.Equal(HttpStatusCode.BadRequest, await RawHandshakeAsync(http, "/im"));

        // One client message and one API broadcast, each to all three: 6 deliveries. The broadcast waits until
        // alice got her echo: two publishers' messages have no order between them until one has been delivered.
        await alice.SendTextAsync("hello");
        Assert.Equal("hello", await alice.ReceiveTextAsync());
        await Broadcast(http, Encoding.UTF8.GetBytes("api!"), "text/plain");
        Assert.Equal("api!", await alice.ReceiveTextAsync());
        foreach (var client in new[] { bob, slow })
        {
            Assert.Equal("hello", await client.ReceiveTextAsync());
            Assert.Equal("api!", await client.ReceiveTextAsync());
        }

        var traffic = await ScrapeWhenAsync(baseUri, now =>
            now.Value(Handshakes, "status=\"101\"") - start.Value(Handshakes, "status=\"101\"") == 3 &&
            now.Value(Deliveries) - start.Value(Deliveries) == 6 &&
            now.Value(Handshakes, "status=\"400\"") - start.Value(Handshakes, "status=\"400\"") == 1);
        Assert.Equal(3, traffic.Value("actorpush_connections"));
        Assert.Equal(3, traffic.Value("actorpush_users"));
        Assert.Equal(1, traffic.Value(MessagesIn, "source=\"client\"") - start.Value(MessagesIn, "source=\"client\""));
        Assert.Equal(1, traffic.Value(MessagesIn, "source=\"api\"") - start.Value(MessagesIn, "source=\"api\""));
        Assert.Equal(3 * (2 + 5) + 3 * (2 + 4), traffic.Value(SentBytes) - start.Value(SentBytes)); // frame header + payload
        Assert.Equal(2, traffic.Value("actorpush_broadcast_batch_size_sum") - start.Value("actorpush_broadcast_batch_size_sum"));
        var latencySamples = traffic.Value("actorpush_fanout_latency_seconds_count") - start.Value("actorpush_fanout_latency_seconds_count");
        Assert.InRange(latencySamples, 3, 6); // one per socket write: each socket got both frames in one or two writes
        Assert.True(traffic.Value("actorpush_fanout_latency_seconds_sum") > start.Value("actorpush_fanout_latency_seconds_sum"));
        Assert.True(traffic.Value("actorpush_tcp_connections") >= 3, "the TCP gauge counts the WebSockets' connections");

        // Bob sends more than max-message-size (64 KiB): closed with 1009.
        await bob.SendAsync(new byte[64 * 1024 + 1], WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await bob.ReceiveCloseAsync());

        // The slow client stops reading; API broadcasts go at alice's pace until the slow one is cut off with 4008.
        var payload = new byte[32 * 1024];
        for (var i = 0; i < 600 && (await StatsAsync(http)).GetProperty("slowConsumerDisconnects").GetInt64() == 0; i++)
        {
            await Broadcast(http, payload);
            Assert.Equal(payload.Length, (await alice.ReceiveMessageAsync()).Payload.Length);
        }

        Assert.Equal((WebSocketCloseStatus)4008, await slow.ReceiveCloseAsync());
        await alice.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        var end = await ScrapeWhenAsync(baseUri, now => now.Value("actorpush_connections") == 0);
        Assert.Equal(1, end.Value(Disconnects, "code=\"1009\"") - start.Value(Disconnects, "code=\"1009\""));
        Assert.Equal(1, end.Value(Disconnects, "code=\"4008\"") - start.Value(Disconnects, "code=\"4008\""));
        Assert.Equal(1, end.Value(Disconnects, "code=\"1000\"") - start.Value(Disconnects, "code=\"1000\""));
        Assert.Equal(0, end.Value(Disconnects, "code=\"abort\"") - start.Value(Disconnects, "code=\"abort\""));
        Assert.Equal(0, end.Value("actorpush_users"));
        Assert.Equal(0, end.Value("actorpush_socket_queued_bytes"));
        var stats = await StatsAsync(http);
        Assert.Equal(stats.GetProperty("slowConsumerDisconnects").GetInt64(), end.Value(Disconnects, "code=\"4008\"")); // /api/stats agrees
    }

    [Fact]
    public async Task Publishes_refused_by_a_full_broadcast_mailbox_are_counted_as_stats_counts_them_and_accepted_ones_all_fan_out()
    {
        await using var node = await ConfiguredServerProcess.StartAsync("actorpush.broadcast.mailbox.mailbox-capacity = 1");
        var (server, port, baseUri, http) = (node.Process, node.Port, node.BaseUri, node.Http);
        using var listener = await ServerProcess.ConnectAsync(port, "listener");

        // Rounds of concurrent pushes into a mailbox of one, until some are dropped (bounded: 20 rounds). A push is
        // either accepted (202) or refused by the node's admission (503).
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < 20 && (await StatsAsync(http)).GetProperty("publishesDropped").GetInt64() == 0; round++)
            statuses.AddRange(await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => TryBroadcast(http, new byte[16]))));

        var accepted = statuses.Count(status => status == HttpStatusCode.Accepted);
        var refused = statuses.Count(status => status == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(statuses.Count, accepted + refused);
        var stats = await StatsAsync(http);
        var dropped = stats.GetProperty("publishesDropped").GetInt64();
        Assert.True(dropped > 0, $"no publish of {statuses.Count} was dropped");
        var scrape = await ScrapeWhenAsync(baseUri, now => now.Value("actorpush_publishes_dropped_total") == dropped);
        Assert.Equal(accepted, scrape.Value(MessagesIn, "source=\"api\""));
        Assert.Equal(refused, scrape.Value("actorpush_api_publishes_refused_total"));
        Assert.Equal(refused, dropped); // a publish the full mailbox cannot take is refused with 503, never dropped after a 202
        await Eventually.HoldsAsync(async () => (await StatsAsync(http)).GetProperty("messagesIn").GetInt64() == accepted,
            "every accepted push to reach the fan-out");
        Assert.True(scrape.Has("actorpush_broadcast_mailbox_depth"));
    }

    [Fact]
    public async Task Memory_trims_are_counted_once_per_trim_the_log_reports()
    {
        await using var node = await ConfiguredServerProcess.StartAsync("""
            actorpush.memory.trim-quiet-period = 300ms
            actorpush.memory.trim-after-allocated = 1 MiB
            actorpush.memory.trim-quiet-rate = 8 MiB
            """);
        var (server, port, baseUri, http) = (node.Process, node.Port, node.BaseUri, node.Http);

        await ScrapeWhenAsync(baseUri, now =>
        {
            var trims = now.Value("actorpush_memory_trims_total");
            var logged = server.Output.Split('\n').Count(line => line.Contains("Memory trimmed after a burst", StringComparison.Ordinal));
            return trims >= 1 && trims == logged;
        });
    }

    /// <summary>Scrapes until <paramref name="holds"/> (the exporter caches a scrape for 300 ms), with a deadline.</summary>
    internal static async Task<MetricsScrape> ScrapeWhenAsync(Uri baseUri, Func<MetricsScrape, bool> holds)
    {
        MetricsScrape? last = null;
        await Eventually.HoldsAsync(async () => holds(last = await MetricsScrape.FromAsync(baseUri)), "the scraped series to reach their values");
        return last!;
    }

    internal static async Task Broadcast(HttpClient http, byte[] payload, string contentType = "application/octet-stream") =>
        Assert.Equal(HttpStatusCode.Accepted, await TryBroadcast(http, payload, contentType));

    private static async Task<HttpStatusCode> TryBroadcast(HttpClient http, byte[] payload, string contentType = "application/octet-stream")
    {
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await http.PostAsync("/api/broadcast", content);
        return response.StatusCode;
    }

    private static async Task<JsonElement> StatsAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync("/api/stats")).RootElement;

    /// <summary>A WebSocket upgrade request for <paramref name="path"/>; returns the status the server answered.</summary>
    internal static async Task<HttpStatusCode> RawHandshakeAsync(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
