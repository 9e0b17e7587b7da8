using System.Net;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>GET /ping and the checks /im makes before any upgrade.</summary>
public sealed class HandshakeTests
{
    [Fact]
    public async Task Ping_answers_200_pong_as_text_plain()
    {
        await using var server = await PushServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        var response = await http.GetAsync("/ping");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("pong", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("", "missing")]
    [InlineData("user_id=", "missing or empty")]
    [InlineData("user_id=a&user_id=b", "more than once")]
    [InlineData("user_id=%00bob", "control characters")]
    [InlineData("user_id=bob%0Aalice", "control characters")]
    public async Task Bad_user_id_is_refused_with_400_and_a_text_before_upgrade(string query, string expectedText)
    {
        await using var server = await PushServer.StartAsync();

        var (status, body) = await HandshakeAsync(server, query);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expectedText, body);
    }

    [Fact]
    public async Task User_id_longer_than_256_bytes_is_refused_with_400()
    {
        await using var server = await PushServer.StartAsync();
        // 129 two-byte characters: 258 UTF-8 bytes although only 129 chars.
        var tooLong = Uri.EscapeDataString(new string('é', 129));
        var longest = Uri.EscapeDataString(new string('é', 128));

        var (tooLongStatus, body) = await HandshakeAsync(server, "user_id=" + tooLong);
        var (longestStatus, _) = await HandshakeAsync(server, "user_id=" + longest);

        Assert.Equal(HttpStatusCode.BadRequest, tooLongStatus);
        Assert.Contains("longer than 256 bytes", body);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, longestStatus);
    }

    [Fact]
    public async Task Plain_get_on_im_without_upgrade_gets_426_not_5xx()
    {
        await using var server = await PushServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        var response = await http.GetAsync("/im?user_id=alice");

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Contains("WebSocket", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Refused_handshakes_leave_nobody_registered()
    {
        await using var server = await PushServer.StartAsync();
        await HandshakeAsync(server, "user_id=");
        using var good = await server.ConnectAsync("alice");

        Assert.Equal(1, (await server.StatsAsync()).Connections);
    }

    /// <summary>A raw upgrade request, so the test sees the status and body the server answers before any upgrade.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> HandshakeAsync(PushServer server, string query)
    {
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/im?" + query);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = response.StatusCode == HttpStatusCode.SwitchingProtocols ? "" : await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body);
    }
}
