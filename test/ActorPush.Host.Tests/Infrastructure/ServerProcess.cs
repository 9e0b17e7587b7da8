using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>
/// The built server started as its own process (<c>dotnet ActorPush.Host.dll ...</c>), for what only a
/// real process shows: default address, command line, config files, signals and exit codes.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// The process's resident memory now (VmRSS in /proc/PID/status), in bytes. A process that is exiting has no VmRSS
    /// line: that fails with what the process wrote, so a server that died under a test says why.
    /// </summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"the server process is exiting (no VmRSS in /proc/{Id}/status); its output:\n{Output}");
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Open file descriptors of the process now.</summary>
    public int OpenDescriptors() => Directory.GetFiles($"/proc/{Id}/fd").Length;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <param name="descriptorLimit">When set, the server runs under <c>prlimit --nofile=N</c> (soft and hard RLIMIT_NOFILE).</param>
    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, int? descriptorLimit = null)
    {
        var info = new ProcessStartInfo(descriptorLimit is null ? "dotnet" : "prlimit")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (descriptorLimit is { } nofile)
        {
            info.ArgumentList.Add($"--nofile={nofile}");
            info.ArgumentList.Add("dotnet"); // prlimit execs it: the process id stays the server's
        }

        info.ArgumentList.Add(HostDll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ACTORPUSH_CONFIG");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        return new ServerProcess(Process.Start(info)!);
    }

    /// <summary>The Host build that sits beside this test build (same configuration).</summary>
    public static string HostDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
            var dll = Path.Combine(RepoRoot, "src", "ActorPush.Host", "bin", configuration, "net10.0", "ActorPush.Host.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("build the Host first", dll);
        }
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorPush.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("ActorPush.sln not found above the test build");
        }
    }

    // Ports for child servers come from below the kernel's ephemeral range (32768 and up on Linux), so a port
    // that is free now cannot be taken a moment later as the local port of some test's outgoing connection.
    // Each pick moves on from the last one, so parallel tests never get the same port.
    private static int _nextPort = 20000 + Random.Shared.Next(10000);

    /// <summary>The port of <see cref="ActorPushServer.DefaultUrl"/>, never handed out by <see cref="FreePort"/>.</summary>
    public static readonly int DefaultPort = new Uri(ActorPushServer.DefaultUrl).Port;

    public static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = 20000 + (Interlocked.Increment(ref _nextPort) - 20000) % 12000;
            if (port == DefaultPort)
                continue; // the server's default: a server started without --urls (here or elsewhere) takes it
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Server.ExclusiveAddressUse = true; // fail on any socket bound there, TIME_WAIT included
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // in use; try the next one
            }
        }
        throw new InvalidOperationException("no free port below the ephemeral range");
    }

    /// <summary>Waits until <c>GET /ping</c> on <paramref name="baseUri"/> answers pong, or the process dies.</summary>
    public async Task WaitUntilServingAsync(Uri baseUri)
    {
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.HoldsAsync(async () =>
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"server exited with {_process.ExitCode}:\n{Output}");
            try
            {
                return await http.GetStringAsync("/ping") == "pong";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"the server process to answer /ping at {baseUri}", TimeSpan.FromSeconds(60));
    }

    /// <summary>Opens <c>/im</c> as <paramref name="userId"/> on a server process listening on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(int port, string userId)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Deadlines.Default);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/im?user_id={userId}"), timeout.Token);
        return socket;
    }

    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGKILL: the process dies at once, as in a crash or an OOM kill.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Sends SIGTERM, as a service manager or <c>docker stop</c> would.</summary>
    public void Terminate() => Assert.Equal(0, kill(_process.Id, 15));

    /// <summary>Sends SIGSTOP: the process stops answering anything (a hung node) until <see cref="Resume"/> or a kill.</summary>
    public void Pause() => Assert.Equal(0, kill(_process.Id, 19));

    /// <summary>Sends SIGCONT to a paused process.</summary>
    public void Resume() => Assert.Equal(0, kill(_process.Id, 18));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
