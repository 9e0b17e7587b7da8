using ActorPush.Browser.Tests.Infrastructure;
using System.Text;

namespace ActorPush.Browser.Tests;

/// <summary>The demo flow through real nginx in front of the real server.</summary>
public sealed class NginxTests(Chromium chromium) : IClassFixture<Chromium>
{
    [BrowserFact(NeedsNginx = true)]
    public async Task Two_pages_chat_and_get_topic_pushes_through_nginx()
    {
        await using var server = await BrowserServer.StartAsync();
        await using var nginx = await NginxProxy.StartAsync(server.Port);

        var alice = await DemoPage.OpenAsync(chromium, nginx.BaseUri);
        var bob = await DemoPage.OpenAsync(chromium, nginx.BaseUri);
        await alice.ConnectAsync("alice");
        await bob.ConnectAsync("bob", topics: "news");

        await alice.SendAsync("through the proxy");
        await bob.ExpectMessageAsync("broadcast", "alice: through the proxy");
        await alice.ExpectMessageAsync("broadcast", "alice: through the proxy");
        await alice.SubscribeAsync("scores");

        using var http = server.Http();
        await http.PostAsync("/api/topics/scores/messages", new StringContent("4:4", Encoding.UTF8, "text/plain"));
        await http.PostAsync("/api/topics/news/messages", new StringContent("proxied news", Encoding.UTF8, "text/plain"));
        await alice.ExpectMessageAsync("topic:scores", "4:4");
        await bob.ExpectMessageAsync("topic:news", "proxied news");
        await Screenshots.SaveAsync(bob.Page, "demo-through-nginx");
    }
}
