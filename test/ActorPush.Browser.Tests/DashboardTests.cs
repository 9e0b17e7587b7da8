using ActorPush.Browser.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ActorPush.Browser.Tests;

/// <summary>The live dashboard in real headless Chromium against the real server.</summary>
public sealed class DashboardTests(Chromium chromium) : IClassFixture<Chromium>
{
    [BrowserFact]
    public async Task Dashboard_shows_the_live_connection_count()
    {
        await using var server = await BrowserServer.StartAsync();
        var dashboard = await chromium.NewPageAsync();
        await dashboard.GotoAsync(new Uri(server.BaseUri, "/dashboard").ToString());
        await Expect(dashboard.Locator("#connections")).ToHaveTextAsync("0", new() { Timeout = 20_000 });

        var alice = await DemoPage.OpenAsync(chromium, server.BaseUri);
        var bob = await DemoPage.OpenAsync(chromium, server.BaseUri);
        await alice.ConnectAsync("alice", topics: "news");
        await bob.ConnectAsync("bob");
        await Expect(dashboard.Locator("#connections")).ToHaveTextAsync("2", new() { Timeout = 20_000 });
        await Expect(dashboard.Locator("#users")).ToHaveTextAsync("2");
        await Expect(dashboard.Locator("#topics")).ToHaveTextAsync("1");
        await Expect(dashboard.Locator("#nodes tr")).ToHaveCountAsync(1);

        await alice.SendAsync("traffic");
        await Expect(dashboard.Locator("#chart-connections polyline")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Screenshots.SaveAsync(dashboard, "dashboard");

        await bob.Page.ClickAsync("#disconnect");
        await Expect(dashboard.Locator("#connections")).ToHaveTextAsync("1", new() { Timeout = 20_000 });
    }

    [BrowserFact]
    public async Task With_an_api_key_the_dashboard_asks_for_it_and_keeps_it_for_the_tab()
    {
        await using var server = await BrowserServer.StartAsync("actorpush.api.key = \"dashboard-key-for-tests-1234\"");
        var dashboard = await chromium.NewPageAsync();
        await dashboard.GotoAsync(new Uri(server.BaseUri, "/dashboard").ToString());
        await Expect(dashboard.Locator("#key-panel")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(dashboard.Locator("#status")).ToContainTextAsync("401");
        await Screenshots.SaveAsync(dashboard, "dashboard-key");

        await dashboard.FillAsync("#key", "dashboard-key-for-tests-1234");
        await dashboard.ClickAsync("#key-form button");
        await Expect(dashboard.Locator("#key-panel")).ToBeHiddenAsync(new() { Timeout = 20_000 });
        await Expect(dashboard.Locator("#connections")).ToHaveTextAsync("0");
        Assert.Equal("dashboard-key-for-tests-1234", await dashboard.EvaluateAsync<string>("() => sessionStorage.getItem('actorpush.dashboard.key')"));
    }
}
