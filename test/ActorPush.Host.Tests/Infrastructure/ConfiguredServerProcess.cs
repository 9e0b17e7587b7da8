namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>A <see cref="ServerProcess"/> on a free loopback port with an override file, serving, plus an HTTP client for it.</summary>
public sealed class ConfiguredServerProcess : IAsyncDisposable
{
    private readonly TempConfigFile _config;

    private ConfiguredServerProcess(TempConfigFile config, ServerProcess process, int port)
    {
        _config = config;
        Process = process;
        Port = port;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = Deadlines.Default };
    }

    public ServerProcess Process { get; }

    public int Port { get; }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public static async Task<ConfiguredServerProcess> StartAsync(string hocon)
    {
        var config = await TempConfigFile.WriteAsync(hocon);
        var port = ServerProcess.FreePort();
        var server = new ConfiguredServerProcess(config, ServerProcess.Start(["--urls", $"http://127.0.0.1:{port}", "--config", config.Path]), port);
        await server.Process.WaitUntilServingAsync(server.BaseUri);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.DisposeAsync();
        _config.Dispose();
    }
}
