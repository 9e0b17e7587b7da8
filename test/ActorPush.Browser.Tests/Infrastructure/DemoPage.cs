using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ActorPush.Browser.Tests.Infrastructure;

/// <summary>The demo page at <c>/</c>, driven as a user drives it: through its forms.</summary>
public sealed class DemoPage(IPage page)
{
    private static readonly LocatorAssertionsToHaveTextOptions Deadline = new() { Timeout = 20_000 };

    public IPage Page { get; } = page;

    /// <summary>WebSockets this page opened so far (Playwright sees each one).</summary>
    public int WebSocketsOpened { get; private set; }

    public static async Task<DemoPage> OpenAsync(Chromium chromium, Uri baseUri)
    {
        var demo = new DemoPage(await chromium.NewPageAsync());
        demo.Page.WebSocket += (_, _) => demo.WebSocketsOpened++;
        await demo.Page.Clock.InstallAsync(); // time flows normally; tests may run the page's timers forward
        await demo.Page.GotoAsync(baseUri.ToString());
        return demo;
    }

    public async Task ConnectAsync(string userId, string topics = "", string token = "", string expectState = "open")
    {
        await Page.FillAsync("#user-id", userId);
        await Page.FillAsync("#topics", topics);
        await Page.FillAsync("#token", token);
        await Page.ClickAsync("#connect");
        await ExpectStateAsync(expectState);
    }

    public Task ExpectStateAsync(string state) => Expect(Page.Locator("#state")).ToHaveTextAsync(state, Deadline);

    public Task ExpectReconnectsAsync(int count) => Expect(Page.Locator("#reconnects")).ToHaveTextAsync(count.ToString(), Deadline);

    public Task ExpectLastCloseAsync(string startsWith) =>
        Expect(Page.Locator("#last-close")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^" + startsWith), Deadline);

    public async Task SendAsync(string text)
    {
        await Page.FillAsync("#message", text);
        await Page.ClickAsync("#send");
        await Expect(Page.Locator("#message")).ToHaveValueAsync("", new() { Timeout = 20_000 }); // cleared on the server's ack
    }

    public async Task SubscribeAsync(string topic)
    {
        await Page.FillAsync("#topic", topic);
        await Page.ClickAsync("#subscribe");
        await ExpectMessageAsync("topics", $"subscribed to {topic}"); // logged on the server's ack
    }

    /// <summary>Waits until the log shows a message on <paramref name="stream"/> with exactly <paramref name="data"/>.</summary>
    public Task ExpectMessageAsync(string stream, string data) =>
        Expect(Page.Locator("#log li")
                .Filter(new() { Has = Page.Locator(".stream", new() { HasTextRegex = Exactly(stream) }) })
                .Filter(new() { Has = Page.Locator(".data", new() { HasTextRegex = Exactly(data) }) }))
            .ToHaveCountAsync(1, new() { Timeout = 20_000 });

    /// <summary>Runs the page's timers forward (Playwright's clock), e.g. past every backoff a retry would wait.</summary>
    public Task RunTimersForAsync(TimeSpan time) => Page.Clock.RunForAsync((long)time.TotalMilliseconds);

    private static System.Text.RegularExpressions.Regex Exactly(string text) =>
        new("^" + System.Text.RegularExpressions.Regex.Escape(text) + "$");
}
