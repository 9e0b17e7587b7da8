using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Observability;

/// <summary>A graceful stop through a real SIGTERM on a real server process: readiness first, then the clients.</summary>
public sealed class ShutdownDrainTests
{
    [Fact]
    public async Task Sigterm_turns_readyz_503_while_clients_stay_open_for_the_drain_then_closes_them_with_1001_and_exits_0()
    {
        await using var node = await ConfiguredServerProcess.StartAsync("actorpush.shutdown-drain = 6s");
        var (server, port, baseUri, http) = (node.Process, node.Port, node.BaseUri, node.Http);
        using var alice = await ServerProcess.ConnectAsync(port, "alice");
        Assert.Equal((HttpStatusCode.OK, "ready\n"), await http.SendAsync(HttpMethod.Get, "/readyz"));
        Assert.Equal(1, (await MetricsScrape.FromAsync(baseUri)).Value("actorpush_ready"));

        server.Terminate();

        await Eventually.HoldsAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable,
            "/readyz to answer 503 once shutdown began");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "not ready: shutting down\n"), await http.SendAsync(HttpMethod.Get, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode); // alive while draining
        await MetricsSeriesTests.ScrapeWhenAsync(baseUri, now => now.Value("actorpush_ready") == 0); // the gauge follows

        // Not ready, and still serving: a broadcast published now reaches the open client, and only then comes 1001.
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Post, "/api/broadcast", "still here")).Status);
        Assert.Equal("still here", await alice.ReceiveTextAsync());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await alice.ReceiveCloseAsync());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var output = server.Output;
        Assert.True(output.IndexOf("draining for 6000 ms", StringComparison.Ordinal) < output.IndexOf("closing 1 connections with 1001", StringComparison.Ordinal),
            output);
    }

    [Fact]
    public async Task Json_log_format_writes_refusals_and_cut_offs_as_json_objects_with_their_fields()
    {
        await using var node = await ConfiguredServerProcess.StartAsync("""
            actorpush.log.format = json
            actorpush.max-message-size = 1 KiB
            """);
        var (server, port, baseUri, http) = (node.Process, node.Port, node.BaseUri, node.Http);
        using var carol = await ServerProcess.ConnectAsync(port, "carol");

        Assert.Equal(HttpStatusCode.BadRequest, await MetricsSeriesTests.RawHandshakeAsync(http, "/im"));
        await carol.SendAsync(new byte[2048], WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await carol.ReceiveCloseAsync());

        JsonElement refused = default, cutOff = default;
        await Eventually.HoldsAsync(() =>
        {
            var entries = JsonLines(server.Output);
            refused = entries.FirstOrDefault(e => Template(e).StartsWith("Handshake refused", StringComparison.Ordinal));
            cutOff = entries.FirstOrDefault(e => Template(e).StartsWith("WebSocket cut off", StringComparison.Ordinal));
            return refused.ValueKind == JsonValueKind.Object && cutOff.ValueKind == JsonValueKind.Object;
        }, "the refusal and the cut-off to be logged");

        Assert.Equal("Information", refused.GetProperty("LogLevel").GetString());
        Assert.Equal(400, refused.GetProperty("State").GetProperty("Status").GetInt32());
        Assert.StartsWith("127.0.0.1:", refused.GetProperty("State").GetProperty("RemoteAddress").GetString());
        Assert.False(string.IsNullOrEmpty(refused.GetProperty("State").GetProperty("ConnectionId").GetString()));
        Assert.Equal("Information", cutOff.GetProperty("LogLevel").GetString());
        Assert.Equal("carol", cutOff.GetProperty("State").GetProperty("UserId").GetString());
        Assert.Equal(1009, cutOff.GetProperty("State").GetProperty("CloseCode").GetInt32());
        Assert.Equal("message too big", cutOff.GetProperty("State").GetProperty("Reason").GetString());
    }

    private static string Template(JsonElement entry) =>
        entry.TryGetProperty("State", out var state) && state.TryGetProperty("{OriginalFormat}", out var format) ? format.GetString() ?? "" : "";

    private static List<JsonElement> JsonLines(string output)
    {
        var entries = new List<JsonElement>();
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith('{'))
                continue;
            entries.Add(JsonDocument.Parse(line).RootElement.Clone());
        }

        return entries;
    }
}
