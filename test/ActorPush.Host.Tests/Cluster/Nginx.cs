using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>
/// Real nginx (Debian's package) running the shipped deploy/nginx.conf in the foreground, with its own prefix under
/// a temp folder, listening on 127.0.0.1 and proxying to the test's nodes (the upstream servers rewritten to them).
/// </summary>
public sealed partial class Nginx : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _prefix;
    private readonly StringBuilder _output = new();

    private Nginx(Process process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    /// <summary>The nginx binary, or null when it is not installed (.ci/run installs it).</summary>
    public static string? Binary => new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);

    /// <summary>deploy/nginx.conf with its upstream servers, listen address and file paths rewritten for this test.</summary>
    public static string ShippedConfigFor(int port, IEnumerable<Uri> upstreams, string prefix)
    {
        var config = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "nginx.conf"));
        var servers = string.Join("\n", upstreams.Select(uri => $"        server 127.0.0.1:{uri.Port} max_fails=1 fail_timeout=5s;"));
        config = UpstreamServers().Replace(config, servers + "\n", 1); // our servers instead of the sample ones
        config = config.Replace("listen 80;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
            .Replace("/run/nginx-actorpush.pid", Path.Combine(prefix, "nginx.pid"), StringComparison.Ordinal)
            .Replace("/var/log/nginx/", prefix + "/", StringComparison.Ordinal);
        return config;
    }

    /// <summary>Writes the config under a fresh temp prefix, checks it with <c>nginx -t</c>, starts nginx in the foreground.</summary>
    public static async Task<Nginx> StartAsync(IEnumerable<Uri> upstreams)
    {
        var prefix = Directory.CreateTempSubdirectory("actorpush-nginx-").FullName;
        var port = ServerProcess.FreePort();
        var configPath = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(configPath, ShippedConfigFor(port, upstreams, prefix));

        var (testCode, testOutput) = await RunAsync("-t", "-p", prefix, "-c", configPath);
        Assert.True(testCode == 0, $"nginx -t refused the shipped config:\n{testOutput}");

        var info = new ProcessStartInfo(Binary!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-p", prefix, "-c", configPath, "-g", "daemon off;" })
            info.ArgumentList.Add(arg);
        var nginx = new Nginx(Process.Start(info)!, prefix, port);
        nginx._process.ErrorDataReceived += (_, e) => nginx.Append(e.Data);
        nginx._process.OutputDataReceived += (_, e) => nginx.Append(e.Data);
        nginx._process.BeginErrorReadLine();
        nginx._process.BeginOutputReadLine();
        await Eventually.HoldsAsync(() =>
        {
            if (nginx._process.HasExited)
                throw new InvalidOperationException($"nginx exited with {nginx._process.ExitCode}: {nginx.Output}");
            using var probe = new TcpClient();
            try
            {
                probe.Connect("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "nginx to listen");
        return nginx;
    }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_prefix, recursive: true);
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(Binary!) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Deadlines.Default);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ActorPush.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException("ActorPush.sln not found above " + AppContext.BaseDirectory);
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    [GeneratedRegex(@"(        server 127\.0\.0\.1:\d+ [^\n]*\n)+")]
    private static partial Regex UpstreamServers();
}
