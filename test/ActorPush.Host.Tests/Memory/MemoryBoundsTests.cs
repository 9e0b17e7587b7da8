using System.Diagnostics;
using ActorPush.Host.Tests.Infrastructure;
using ActorPush.Host.Tests.Protocol;
using Xunit.Abstractions;

namespace ActorPush.Host.Tests.Memory;

/// <summary>
/// Attacks on memory against a real server process, measured in its resident memory (VmRSS in
/// /proc/PID/status): what a hostile connection makes the server hold stays bounded by the settings.
/// </summary>
[Collection(nameof(HeavyLoadCollection))]
public sealed class MemoryBoundsTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Sixty_ping_floods_that_never_read_stay_within_twice_their_limits_while_a_bystander_receives()
    {
        const int floods = 60;
        const long sendQueueLimit = 256 * 1024;
        using var config = await TempConfigFile.WriteAsync($"actorpush.client.send-queue-limit = {sendQueueLimit}\nactorpush.memory.trim = off");
        var (server, port, baseUri) = await StartAsync(config);
        await using var _ = server;
        using var bystander = await ServerProcess.ConnectAsync(port, "bystander");
        using var publisher = await ServerProcess.ConnectAsync(port, "publisher");
        var flooders = new List<RawWebSocketClient>();
        try
        {
            // A first round of floods pays what flooding costs once per process, whatever the count: the GC's allocation
            // budget grown to the ping rate, thread-pool threads, JIT (about 15 MiB with metrics on, as much for 5 floods
            // as for 60). It stays open and hung, so the round measured next can't reuse what it holds.
            // What each flood may hold: its send queue's limit plus Kestrel's 64 KiB read-ahead. Measured: 9-12 MiB for
            // 60 floods; with Kestrel's default 1 MiB read-ahead 44-67 MiB, over the bound.
            Assert.All(await FloodAsync(baseUri, "warm", floods, flooders), Assert.True);
            var rssBefore = server.ResidentBytes();
            var pushedBack = await FloodAsync(baseUri, "flood", floods, flooders);

            // While the floods hang on their full sockets, the bystander still gets every broadcast.
            for (var i = 0; i < 20; i++)
            {
                await publisher.SendTextAsync($"tick {i}");
                Assert.Equal($"tick {i}", await bystander.ReceiveTextAsync());
                Assert.Equal($"tick {i}", await publisher.ReceiveTextAsync());
            }

            var growth = server.ResidentBytes() - rssBefore;
            output.WriteLine($"RSS grew by {growth / 1024} KiB for {floods} ping floods ({pushedBack.Count(b => b)} pushed back), limit {sendQueueLimit / 1024} KiB each");
            Assert.All(pushedBack, Assert.True);
            Assert.InRange(growth, long.MinValue, 2 * floods * sendQueueLimit);
        }
        finally
        {
            foreach (var flooder in flooders)
                flooder.Dispose();
        }
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections that send pings and never read, at most 32 MiB each (the old server
    /// took about 37 MiB of pongs per MiB of limit); true for each flood the server stopped reading (TCP pushed back) or cut.
    /// </summary>
    private static async Task<bool[]> FloodAsync(Uri baseUri, string name, int count, List<RawWebSocketClient> opened)
    {
        const long maxPerFlood = 32 * MiB;
        var batch = Enumerable.Repeat(RawWebSocketClient.Frame(Op.Ping, new byte[125]), 1000).SelectMany(frame => frame).ToArray();
        var flooders = new List<RawWebSocketClient>();
        for (var i = 0; i < count; i++)
        {
            var flooder = await RawWebSocketClient.ConnectUpgradedAsync(baseUri, $"{name}{i}");
            flooder.Socket.ReceiveBufferSize = 4096; // it never reads: keep what the kernel buffers for it small
            flooders.Add(flooder);
            opened.Add(flooder);
        }

        return await Task.WhenAll(flooders.Select(async flooder =>
        {
            for (long sent = 0; sent < maxPerFlood; sent += batch.Length)
            {
                try
                {
                    await flooder.SendAsync(batch, TimeSpan.FromSeconds(3));
                }
                catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException)
                {
                    return true;
                }
            }

            return false;
        }));
    }

    [Fact]
    public async Task Three_thousand_headers_declaring_64_KiB_with_one_payload_byte_cost_a_small_buffer_each()
    {
        const int connections = 3000;
        const long allowedPerConnection = 8 * 1024; // a small buffer each; the declared length would be 64 KiB each
        using var config = await TempConfigFile.WriteAsync("actorpush.memory.trim = off");
        var (server, port, baseUri) = await StartAsync(config);
        await using var _ = server;
        var clients = new List<RawWebSocketClient>(connections);
        try
        {
            for (var batch = 0; batch < connections; batch += 100)
            {
                clients.AddRange(await Task.WhenAll(Enumerable.Range(batch, Math.Min(100, connections - batch))
                    .Select(i => RawWebSocketClient.ConnectUpgradedAsync(baseUri, $"idle{i}"))));
            }

            await WaitUntilServerReadEverythingAsync(port, connections);
            var rssIdle = server.ResidentBytes();

            var header = RawWebSocketClient.Frame(Op.Binary, [0x42], declaredLength: 64 * 1024); // header plus the one byte that came
            foreach (var chunk in clients.Chunk(100))
                await Task.WhenAll(chunk.Select(client => client.SendAsync(header)));
            await WaitUntilServerReadEverythingAsync(port, connections);

            var growth = server.ResidentBytes() - rssIdle;
            output.WriteLine($"RSS grew by {growth / 1024} KiB for {connections} partial 64 KiB frames ({growth / connections} bytes each)");
            Assert.InRange(growth, long.MinValue, connections * allowedPerConnection);
            Assert.False(server.HasExited);
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    private static async Task<(ServerProcess Server, int Port, Uri BaseUri)> StartAsync(TempConfigFile config)
    {
        var port = ServerProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        var server = ServerProcess.Start(["--urls", baseUri.ToString(), "--config", config.Path]);
        await server.WaitUntilServingAsync(baseUri);
        return (server, port, baseUri);
    }

    /// <summary>Waits until the kernel holds nothing unread on the server's side of <paramref name="connections"/> connections (ss: Recv-Q 0).</summary>
    private static Task WaitUntilServerReadEverythingAsync(int port, int connections) =>
        Eventually.HoldsAsync(async () =>
        {
            var info = new ProcessStartInfo("ss", ["-tnH", "state", "established", $"sport = :{port}"]) { RedirectStandardOutput = true };
            using var ss = Process.Start(info)!;
            var lines = (await ss.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            await ss.WaitForExitAsync();
            return lines.Length >= connections && lines.All(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == "0");
        }, $"the server to read what {connections} connections sent", TimeSpan.FromSeconds(60));
}
