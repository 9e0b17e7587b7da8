using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using ActorPush.Browser.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using static Microsoft.Playwright.Assertions;

namespace ActorPush.Browser.Tests;

/// <summary>The demo page and actorpush.js in real headless Chromium against the real server.</summary>
public sealed class DemoPageTests(Chromium chromium) : IClassFixture<Chromium>
{
    [BrowserFact]
    public async Task Two_pages_chat_through_the_demo()
    {
        await using var server = await BrowserServer.StartAsync();
        var alice = await DemoPage.OpenAsync(chromium, server.BaseUri);
        var bob = await DemoPage.OpenAsync(chromium, server.BaseUri);
        await alice.ConnectAsync("alice");
        await bob.ConnectAsync("bob");

        await alice.SendAsync("hello bob");
        await bob.ExpectMessageAsync("broadcast", "alice: hello bob");
        await bob.SendAsync("hi alice");
        await alice.ExpectMessageAsync("broadcast", "bob: hi alice");
        await alice.ExpectMessageAsync("broadcast", "alice: hello bob"); // the sender gets its own message too

        await Screenshots.SaveAsync(alice.Page, "demo-alice");
        await Screenshots.SaveAsync(bob.Page, "demo-bob");
    }

    [BrowserFact]
    public async Task A_topic_subscribed_at_run_time_receives_an_api_push()
    {
        await using var server = await BrowserServer.StartAsync();
        var page = await DemoPage.OpenAsync(chromium, server.BaseUri);
        await page.ConnectAsync("carol");
        await page.SubscribeAsync("scores");
        await Expect(page.Page.Locator("#topic-list .chip[data-topic='scores']")).ToHaveCountAsync(1);

        using var http = server.Http();
        var response = await http.PostAsync("/api/topics/scores/messages", new StringContent("2:1", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await page.ExpectMessageAsync("topic:scores", "2:1");

        response = await http.PostAsync("/api/users/carol/messages", new StringContent("only you", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await page.ExpectMessageAsync("user", "only you");
        await Screenshots.SaveAsync(page.Page, "demo-topic");
    }

    [BrowserFact]
    public async Task After_a_server_restart_on_the_same_port_both_pages_reconnect_and_receive_again_topics_included()
    {
        var server = await BrowserServer.StartAsync();
        try
        {
            var alice = await DemoPage.OpenAsync(chromium, server.BaseUri);
            var bob = await DemoPage.OpenAsync(chromium, server.BaseUri);
            await alice.ConnectAsync("alice", topics: "news");
            await bob.ConnectAsync("bob");
            await bob.SubscribeAsync("scores"); // subscribed at run time: must come back after the reconnect too

            await server.StopAsync();
            await alice.ExpectStateAsync("reconnecting");
            await bob.ExpectStateAsync("reconnecting");
            await alice.ExpectMessageAsync("connection", "closed 1001 server shutting down"); // later failed retries log 1006

            await server.StartAsync();
            foreach (var page in new[] { alice, bob })
            {
                await page.RunTimersForAsync(TimeSpan.FromSeconds(21)); // past the longest backoff, so the retry fires now
                await page.ExpectStateAsync("open");
                await page.ExpectReconnectsAsync(1);
            }

            using var http = server.Http();
            await http.PostAsync("/api/topics/news/messages", new StringContent("news again", Encoding.UTF8, "text/plain"));
            await http.PostAsync("/api/topics/scores/messages", new StringContent("3:1", Encoding.UTF8, "text/plain"));
            await alice.ExpectMessageAsync("topic:news", "news again");
            await bob.ExpectMessageAsync("topic:scores", "3:1");
            await alice.SendAsync("back");
            await bob.ExpectMessageAsync("broadcast", "alice: back");
            await Screenshots.SaveAsync(bob.Page, "demo-after-restart");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [BrowserFact]
    public async Task A_kicked_page_goes_to_closed_and_stays_there()
    {
        await using var server = await BrowserServer.StartAsync();
        var page = await DemoPage.OpenAsync(chromium, server.BaseUri);
        await page.ConnectAsync("dave");

        using var http = server.Http();
        var response = await http.DeleteAsync("/api/users/dave/connections");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await page.ExpectStateAsync("closed");
        await page.ExpectLastCloseAsync("4003");

        await page.RunTimersForAsync(TimeSpan.FromMinutes(2)); // any retry would have fired by now
        await page.ExpectStateAsync("closed");
        Assert.Equal(1, page.WebSocketsOpened);
        await Screenshots.SaveAsync(page.Page, "demo-kicked");
    }

    [BrowserFact]
    public async Task A_page_with_a_bad_jwt_sees_4401_and_stops_after_one_fresh_token()
    {
        const string secret = "browser-test-secret-that-is-at-least-32-bytes";
        await using var server = await BrowserServer.StartAsync($"actorpush.auth.jwt-secret = \"{secret}\"");
        var page = await DemoPage.OpenAsync(chromium, server.BaseUri);
        var forged = MintToken("not-the-server-secret-but-32-bytes-long!", "eve");
        await page.ConnectAsync("eve", token: forged, expectState: "closed");
        await page.ExpectLastCloseAsync("4401");

        await page.RunTimersForAsync(TimeSpan.FromMinutes(2));
        await page.ExpectStateAsync("closed");
        Assert.Equal(2, page.WebSocketsOpened); // the first try and one with a fresh token from the callback, no more
        await Screenshots.SaveAsync(page.Page, "demo-bad-jwt");

        // A good token works, and its user is the token's sub.
        var good = await DemoPage.OpenAsync(chromium, server.BaseUri);
        await good.ConnectAsync("ignored", token: MintToken(secret, "eve"));
        await Expect(good.Page.Locator("#connection-id")).Not.ToHaveTextAsync("-");
    }

    private static string MintToken(string secret, string sub)
    {
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", sub)]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
