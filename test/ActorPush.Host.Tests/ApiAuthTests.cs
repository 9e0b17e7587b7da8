using System.Net;
using ActorPush.Host.Api;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>Who may call /api: Bearer key when actorpush.api.key is set, else loopback callers only.</summary>
public sealed class ApiAuthTests
{
    private const string Key = "0123456789abcdef-api-key";
    private static readonly string KeyConfig = $"actorpush.api.key = \"{Key}\"";

    [Fact]
    public async Task With_a_key_every_api_call_needs_the_bearer_key_else_401()
    {
        await using var server = await PushServer.StartAsync(KeyConfig);
        using var anonymous = server.Http();
        using var wrong = server.Http(apiKey: Key + "x");
        using var right = server.Http(apiKey: Key);

        using (var response = await anonymous.GetAsync("/api/stats"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(HttpMethod.Post, "/api/broadcast", "x")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(HttpMethod.Get, "/api/no/such/route")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(HttpMethod.Get, "/api/stats")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.SendAsync(HttpMethod.Delete, "/api/users/alice/connections")).Status);
        Assert.Equal(HttpStatusCode.OK, (await right.SendAsync(HttpMethod.Get, "/api/stats")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await right.SendAsync(HttpMethod.Post, "/api/broadcast", "x")).Status);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/ping")).StatusCode); // only /api is guarded
    }

    [Fact]
    public async Task Without_a_key_loopback_callers_are_answered()
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(HttpMethod.Get, "/api/stats")).Status);
    }

    /// <summary>
    /// The real 403 on the wire: the server listens on one of this machine's non-loopback addresses and the test
    /// connects from it, so the server sees a non-loopback caller. Machines without such an address (a sandbox
    /// with loopback only) report this case as skipped; the unit cases above cover the decision there.
    /// </summary>
    [SkippableFact]
    public async Task Without_a_key_a_caller_on_a_non_loopback_address_gets_403_on_the_wire()
    {
        var address = LocalAddresses.NonLoopback();
        Skip.If(address is null, "this machine has no non-loopback IPv4 address to call the server from");
        await using var server = await PushServer.StartAsync(null, "--urls", $"http://{address}:0");
        using var http = server.Http();

        var (status, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");
        var (push, _) = await http.SendAsync(HttpMethod.Post, "/api/broadcast", "relay?");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("loopback", body);
        Assert.Equal(HttpStatusCode.Forbidden, push);
        Assert.Equal(0, server.Metrics.MessagesIn);
    }
}
