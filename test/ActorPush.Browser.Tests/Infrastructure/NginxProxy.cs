using System.Diagnostics;

namespace ActorPush.Browser.Tests.Infrastructure;

/// <summary>
/// Real nginx (Debian's, /usr/sbin/nginx, installed by .ci/run) in front of a server, on a free loopback port,
/// with the configuration in nginx/test-nginx.conf. Stopped and its temporary prefix deleted on dispose.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _directory;

    private NginxProxy(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public static bool Installed => File.Exists(ExecutablePath);

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    public static async Task<NginxProxy> StartAsync(int upstreamPort)
    {
        var directory = Directory.CreateTempSubdirectory("actorpush-nginx-").FullName;
        var port = BrowserServer.FreePort();
        var template = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "nginx", "test-nginx.conf"));
        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, template
            .Replace("{{DIR}}", directory, StringComparison.Ordinal)
            .Replace("{{PORT}}", port.ToString(), StringComparison.Ordinal)
            .Replace("{{UPSTREAM}}", upstreamPort.ToString(), StringComparison.Ordinal));

        var process = Process.Start(new ProcessStartInfo(ExecutablePath, ["-p", directory, "-c", config])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var proxy = new NginxProxy(process, directory, port);
        try
        {
            await proxy.WaitUntilServingAsync();
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilServingAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"nginx exited with {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()}");
            try
            {
                if (await http.GetStringAsync("/ping") == "pong")
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            if (DateTime.UtcNow > until)
                throw new TimeoutException("nginx did not answer /ping through the proxy in 20 s");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
