using System.Net.WebSockets;
using System.Text.RegularExpressions;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Memory;

/// <summary>The memory trim in a real server process: it runs after a burst and harms no connection.</summary>
public sealed class MemoryTrimTests
{
    private const string TrimLine = "Memory trimmed after a burst";

    [Fact]
    public async Task A_quiet_server_trims_after_a_burst_and_its_clients_keep_receiving()
    {
        using var config = await TempConfigFile.WriteAsync("actorpush.memory { trim-quiet-period = 500ms, trim-after-allocated = 1 MiB }");
        var port = ServerProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        await using var server = ServerProcess.Start(["--urls", baseUri.ToString(), "--config", config.Path]);
        await server.WaitUntilServingAsync(baseUri);
        await Eventually.HoldsAsync(() => Trims(server) >= 1, "the trim after start-up", TimeSpan.FromSeconds(30));
        var trimsBefore = Trims(server);

        // A burst: 200 connections (a handshake allocates about 15 KB, 3 MB in all) and a broadcast to all of them.
        var clients = new List<ClientWebSocket>();
        for (var i = 0; i < 200; i++)
            clients.Add(await ServerProcess.ConnectAsync(port, $"user{i}"));
        await clients[0].SendTextAsync("before");
        foreach (var client in clients)
            Assert.Equal("before", await client.ReceiveTextAsync());

        await Eventually.HoldsAsync(() => Trims(server) > trimsBefore, "a trim after the burst", TimeSpan.FromSeconds(30));
        Assert.Matches(new Regex(@"GC committed \d+ -> \d+ MiB, heap \d+ MiB, pause \d+ ms"), server.Output);
        await clients[^1].SendTextAsync("after");
        foreach (var client in clients)
            Assert.Equal("after", await client.ReceiveTextAsync());

        foreach (var client in clients)
            client.Dispose();
    }

    private static int Trims(ServerProcess server) => Regex.Count(server.Output, TrimLine);
}
