using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;
using ActorPush.Host.Transport;
using Xunit.Abstractions;

namespace ActorPush.Host.Tests;

/// <summary>
/// A flood of idle TCP connections against a server with few file descriptors: the accept cap derived from
/// RLIMIT_NOFILE refuses what it cannot hold, so the process stays alive and its clients keep receiving.
/// </summary>
public sealed class DescriptorExhaustionTests(ITestOutputHelper output)
{
    private const int DescriptorLimit = 1024;
    private const int FloodConnections = 1500;

    [Fact]
    public async Task Under_1024_descriptors_1500_idle_tcp_connections_leave_the_process_alive_and_its_clients_receiving()
    {
        var port = ServerProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        await using var server = ServerProcess.Start(["--urls", baseUri.ToString()], descriptorLimit: DescriptorLimit);
        await server.WaitUntilServingAsync(baseUri);
        Assert.Matches($@"Accept cap: \d+ TCP connections \(RLIMIT_NOFILE {DescriptorLimit} less \d+ open at start less actorpush.limits.descriptor-reserve 256\)", server.Output);
        using var alice = await ServerProcess.ConnectAsync(port, "alice");
        using var bob = await ServerProcess.ConnectAsync(port, "bob");
        var rssBefore = server.ResidentBytes();

        var flood = await OpenIdleConnectionsAsync(port, FloodConnections);
        try
        {
            Assert.False(server.HasExited, "the server died under the flood:\n" + server.Output);
            output.WriteLine($"flood: {flood.Count} of {FloodConnections} connects completed; server holds {server.OpenDescriptors()} descriptors; " +
                             $"RSS {rssBefore / 1024 / 1024} -> {server.ResidentBytes() / 1024 / 1024} MiB");
            Assert.False(server.HasExited, server.Output);
            Assert.True(server.OpenDescriptors() < DescriptorLimit);

            await alice.SendTextAsync("during the flood");
            Assert.Equal("during the flood", await bob.ReceiveTextAsync());
            Assert.Equal("during the flood", await alice.ReceiveTextAsync());
            await Eventually.HoldsAsync(() => server.Output.Contains("TCP connections in the last second"), "the refusal summary in the log");
        }
        finally
        {
            foreach (var socket in flood)
                socket.Dispose();
        }

        // The flood is over: the node serves new clients and counted what it refused.
        using var carol = await ConnectEventuallyAsync(port, "carol");
        await carol.SendTextAsync("after the flood");
        Assert.Equal("after the flood", await alice.ReceiveTextAsync());
        Assert.Equal("after the flood", await carol.ReceiveTextAsync());
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = Deadlines.Default };
        using var stats = JsonDocument.Parse(await http.GetStringAsync("/api/stats"));
        Assert.True(stats.RootElement.GetProperty("connectionsRefused").GetInt64() > 0);
        Assert.False(server.HasExited);
    }

    [Theory]
    [InlineData(null, 256, 1024L, 230, 538)]
    [InlineData(null, 256, 20000L, 230, 19514)]
    [InlineData(null, 256, 600L, 230, 185)] // a small limit still leaves half of what is left for connections
    [InlineData(500, 256, 1024L, 230, 500)]
    public void The_cap_is_the_descriptor_limit_less_those_open_less_the_reserve_unless_configured(int? configured, int reserve, long limit, int open, int expected)
    {
        Assert.Equal(expected, AcceptCap.Derive(configured, reserve, limit, open).Limit);
    }

    [Fact]
    public void A_configured_zero_turns_the_cap_off()
    {
        Assert.Null(AcceptCap.Derive(0, 256, 1024, 230).Limit);
    }

    /// <summary>Opens idle TCP connections (they send nothing), 100 at a time, each connect bounded by a deadline.</summary>
    private static async Task<List<Socket>> OpenIdleConnectionsAsync(int port, int count)
    {
        var sockets = new List<Socket>(count);
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        for (var batch = 0; batch < count; batch += 100)
        {
            var connects = Enumerable.Range(0, Math.Min(100, count - batch)).Select(async _ =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.ConnectAsync(endpoint, timeout.Token);
                    return socket;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    socket.Dispose(); // the backlog was full: refused at the kernel, which is fine
                    return null;
                }
            });
            sockets.AddRange((await Task.WhenAll(connects)).OfType<Socket>());
        }

        return sockets;
    }

    private static async Task<System.Net.WebSockets.ClientWebSocket> ConnectEventuallyAsync(int port, string userId)
    {
        System.Net.WebSockets.ClientWebSocket? connected = null;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                connected = await ServerProcess.ConnectAsync(port, userId);
                return true;
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException)
            {
                return false;
            }
        }, $"{userId} to connect after the flood");
        return connected!;
    }
}
