using Microsoft.Playwright;

namespace ActorPush.Browser.Tests.Infrastructure;

/// <summary>
/// Saves full-page screenshots under the test project's TestResults/screenshots (ACTORPUSH_SCREENSHOTS overrides),
/// which CI keeps as an artifact.
/// </summary>
public static class Screenshots
{
    public static string Directory { get; } = Resolve();

    public static async Task SaveAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Directory, name + ".png"), FullPage = true });
    }

    private static string Resolve()
    {
        if (Environment.GetEnvironmentVariable("ACTORPUSH_SCREENSHOTS") is { Length: > 0 } configured)
            return configured;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorPush.Browser.Tests.csproj")))
            dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "TestResults", "screenshots");
    }
}
