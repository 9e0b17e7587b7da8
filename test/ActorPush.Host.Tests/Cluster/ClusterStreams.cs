using System.Net.WebSockets;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>What the multi-process cluster tests send and check: probes until every socket is registered, numbered streams.</summary>
public static class ClusterStreams
{
    /// <summary>Sends from <paramref name="from"/> until every socket got it: then all of them are registered across the cluster.</summary>
    public static async Task AllRegisteredAsync(WebSocket from, WebSocket[] all)
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = "probe " + Guid.NewGuid();
            await from.SendTextAsync(probe);
            var got = await Task.WhenAll(all.Select(socket => ReceiveUntilAsync(socket, probe)));
            if (got.All(ok => ok))
                return;
            Assert.True(attempt < 50, "clients did not all receive a probe");
        }
    }

    public static async Task<bool> ReceiveUntilAsync(WebSocket socket, string expected)
    {
        try
        {
            while (await socket.ReceiveTextAsync(TimeSpan.FromSeconds(2)) != expected)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static async Task SendStreamAsync(WebSocket socket, string name, int count, Action? halfway = null)
    {
        for (var i = 0; i < count; i++)
        {
            if (i == count / 2)
                halfway?.Invoke();
            await socket.SendTextAsync($"{name}:{i}");
        }
    }

    /// <summary>Reads until both streams "a" and "b" are complete; returns each stream's sequence numbers in arrival order.</summary>
    public static async Task<Dictionary<string, List<int>>> ReadStreamsAsync(WebSocket socket, int count)
    {
        var streams = new Dictionary<string, List<int>> { ["a"] = [], ["b"] = [] };
        while (streams.Values.Any(stream => stream.Count < count))
        {
            var text = await socket.ReceiveTextAsync();
            var colon = text.IndexOf(':');
            if (colon > 0 && streams.TryGetValue(text[..colon], out var stream))
                stream.Add(int.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }

        return streams;
    }
}
