using System.Globalization;
using ActorPush.Host.Tests.Infrastructure;
using ActorPush.Host.Transport;
using Microsoft.AspNetCore.Connections;
using ActorPush.Host.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPush.Host.Tests.Transport;

/// <summary>
/// <c>actorpush.inline-io</c> in the server process (the switch is process-wide, so only a process of its own shows
/// it): with it on, socket completions continue on the I/O thread instead of each becoming a thread-pool work item,
/// which the runtime's own counter on /metrics shows; and the server serves the same either way.
/// </summary>
[Collection(nameof(HeavyLoadCollection))]
public sealed class InlineIoTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int RoundTrips = 300;

    [Fact]
    public async Task On_the_same_round_trips_queue_fewer_thread_pool_work_items_than_off()
    {
        var off = await WorkItemsForRoundTripsAsync("off");
        var on = await WorkItemsForRoundTripsAsync("on");

        var measured = $"{RoundTrips} round trips: {on} thread-pool work items with inline-io on, {off} with it off";
        output.WriteLine(measured);
        // One at a time, so nothing batches. Off: a work item per socket completion and per pipe continuation, besides
        // the actors' own (measured: about 5 per round trip). On: the actors' only (about 2). Kestrel's half alone
        // (the runtime's switch not set) measured about 3, so "under half" needs both halves.
        Assert.True(on * 2 < off, measured);
    }

    /// <summary>
    /// Either way Kestrel's only transport is ActorPush's own listener (it accepts, serves WebSockets on the socket and
    /// hands the rest to Kestrel), which also keeps its accept loop off the I/O thread.
    /// </summary>
    [Theory]
    [InlineData("on")]
    [InlineData("off")]
    public async Task Kestrel_accepts_through_the_direct_listener_either_way(string inlineIo)
    {
        await using var app = ActorPushServer.Build(["--urls", "http://127.0.0.1:0"], $"actorpush.inline-io = {inlineIo}");

        Assert.IsType<DirectListenerFactory>(Assert.Single(app.Services.GetServices<IConnectionListenerFactory>()));
    }

    /// <summary>Thread-pool work items the server queued while one client echoed <see cref="RoundTrips"/> messages through the broadcast, one at a time.</summary>
    private static async Task<long> WorkItemsForRoundTripsAsync(string inlineIo)
    {
        using var config = await TempConfigFile.WriteAsync($"actorpush.inline-io = {inlineIo}\nactorpush.memory.trim = off");
        var port = ServerProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        await using var server = ServerProcess.Start(["--urls", baseUri.ToString(), "--config", config.Path]);
        await server.WaitUntilServingAsync(baseUri);
        using var http = new HttpClient { BaseAddress = baseUri };
        using var client = await ServerProcess.ConnectAsync(port, "alice");
        await client.SendTextAsync("warm-up");
        Assert.Equal("warm-up", await client.ReceiveTextAsync());

        var before = await WorkItemsAsync(http);
        for (var i = 0; i < RoundTrips; i++)
        {
            await client.SendTextAsync($"m{i}");
            Assert.Equal($"m{i}", await client.ReceiveTextAsync());
        }

        // The exporter serves a scrape from its cache for a moment: wait for one taken after the round trips.
        var after = before;
        await Eventually.HoldsAsync(async () => (after = await WorkItemsAsync(http)) != before, "a fresh scrape", TimeSpan.FromSeconds(10));
        return after - before;
    }

    private static async Task<long> WorkItemsAsync(HttpClient http)
    {
        var line = (await http.GetStringAsync("/metrics")).Split('\n').Single(l => l.StartsWith("dotnet_thread_pool_work_item_count_total", StringComparison.Ordinal));
        return long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
