using Microsoft.Playwright;

namespace ActorPush.Browser.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium at <see cref="ExecutablePath"/> (installed by .ci/run with apt), driven by Playwright.
/// Playwright never downloads a browser here. One browser per test class; each test gets fresh contexts.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static bool Installed => File.Exists(ExecutablePath);

    public async Task InitializeAsync()
    {
        if (!Installed)
            return; // every test is skipped by BrowserFact, visibly
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    /// <summary>A page in a context of its own (own sessionStorage), with Playwright's clock installed so tests can run timers forward.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_playwright is null)
            return;
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}

/// <summary>
/// A browser test: skipped, with the reason in the test output, when Chromium (or, with <see cref="NeedsNginx"/>,
/// nginx) is not installed. .ci/run installs both, so CI runs every one of them.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!Chromium.Installed)
            Skip = $"Chromium is not installed at {Chromium.ExecutablePath} (apt-get install -y chromium; .ci/run does it)";
    }

    public bool NeedsNginx
    {
        get => false;
        init
        {
            if (value && !NginxProxy.Installed && Skip is null)
                Skip = $"nginx is not installed at {NginxProxy.ExecutablePath} (apt-get install -y nginx; .ci/run does it)";
        }
    }
}
