using System.Net;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Observability;

/// <summary>/healthz, /readyz and who may read /metrics, on a real server.</summary>
public sealed class HealthAndAccessTests
{
    private const string Key = "0123456789abcdef-metrics-key";

    [Fact]
    public async Task Healthz_and_readyz_answer_200_once_the_server_has_started()
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();

        Assert.Equal((HttpStatusCode.OK, "ok\n"), await http.SendAsync(HttpMethod.Get, "/healthz"));
        Assert.Equal((HttpStatusCode.OK, "ready\n"), await http.SendAsync(HttpMethod.Get, "/readyz"));
    }

    [Fact]
    public async Task Metrics_answers_loopback_callers_in_Prometheus_text_format()
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();

        using var response = await http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE actorpush_connections gauge", body);
        Assert.Contains("# TYPE actorpush_deliveries_total counter", body);
        Assert.Contains("dotnet_gc_collections_total", body); // the runtime's own meter
    }

    [Fact]
    public async Task With_an_api_key_metrics_needs_the_bearer_key_even_from_loopback()
    {
        await using var server = await PushServer.StartAsync($"actorpush.api.key = \"{Key}\"");
        using var anonymous = server.Http();
        using var keyed = server.Http(apiKey: Key);

        using var refused = await anonymous.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.OK, (await keyed.SendAsync(HttpMethod.Get, "/metrics")).Status);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(HttpMethod.Get, "/healthz")).Status); // health stays open
    }

    [Fact]
    public async Task With_metrics_off_there_is_no_metrics_endpoint_and_stats_still_count()
    {
        await using var server = await PushServer.StartAsync("actorpush.metrics.enabled = off");
        using var http = server.Http();

        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(HttpMethod.Get, "/metrics")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Post, "/api/broadcast", "x")).Status);
        await Eventually.HoldsAsync(() => server.Metrics.MessagesIn == 1, "/api/stats' counter to count the broadcast");
        Assert.False(server.Metrics.Enabled);
    }

    /// <summary>
    /// The real refusal on the wire: the server listens on one of this machine's own non-loopback addresses and the
    /// test connects from it (the traffic never leaves the machine), so the server sees a non-loopback caller.
    /// </summary>
    [SkippableFact]
    public async Task From_a_non_loopback_address_metrics_without_the_key_is_refused_unless_public()
    {
        var address = LocalAddresses.NonLoopback();
        Skip.If(address is null, "this machine has no non-loopback IPv4 address to listen on");
        await using var guarded = await PushServer.StartAsync(null, "--urls", $"http://{address}:0");
        await using var open = await PushServer.StartAsync("actorpush.metrics.public = on", "--urls", $"http://{address}:0");
        using var toGuarded = guarded.Http();
        using var toOpen = open.Http();

        var (status, body) = await toGuarded.SendAsync(HttpMethod.Get, "/metrics");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("actorpush_", body);
        Assert.Equal(HttpStatusCode.OK, (await toOpen.SendAsync(HttpMethod.Get, "/metrics")).Status);
        Assert.Equal(HttpStatusCode.OK, (await toGuarded.SendAsync(HttpMethod.Get, "/readyz")).Status);
    }
}
