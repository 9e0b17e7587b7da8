using System.Diagnostics;
using ActorPush.Host.Tests.Infrastructure;
using ActorPush.Host.Transport;

namespace ActorPush.Host.Tests;

/// <summary>
/// The kernel's view of the listening socket: <c>ss -ltn</c> shows a listener's backlog in its Send-Q column,
/// so these tests read the backlog the server really listens with, not the option it was given.
/// </summary>
public sealed class ListenBacklogTests
{
    [SkippableFact]
    public async Task By_default_the_server_listens_with_the_backlog_the_kernel_allows()
    {
        var kernel = ListenBacklog.KernelLimit();
        Skip.If(kernel is null, "this machine has no /proc/sys/net/core/somaxconn");
        await using var server = await PushServer.StartAsync();

        Assert.Equal(kernel, await ListeningBacklogAsync(server.BaseUri.Port));
    }

    [SkippableFact]
    public async Task A_configured_backlog_is_the_one_the_server_listens_with()
    {
        await using var server = await PushServer.StartAsync("actorpush.listen-backlog = 123");

        Assert.Equal(123, await ListeningBacklogAsync(server.BaseUri.Port));
    }

    private static async Task<int> ListeningBacklogAsync(int port)
    {
        var info = new ProcessStartInfo("ss", ["-ltnH", $"sport = :{port}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process? ss;
        try
        {
            ss = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            ss = null;
        }

        Skip.If(ss is null, "ss (iproute2) is not installed: cannot read the kernel's backlog of the listener");
        using (ss)
        {
            var output = await ss.StandardOutput.ReadToEndAsync().WaitAsync(Deadlines.Default);
            await ss.WaitForExitAsync().WaitAsync(Deadlines.Default);
            // "LISTEN 0 4096 127.0.0.1:40123 0.0.0.0:*": state, Recv-Q (waiting to be accepted), Send-Q (the backlog).
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            return int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
        }
    }
}
