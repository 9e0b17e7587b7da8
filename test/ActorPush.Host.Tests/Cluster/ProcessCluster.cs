using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>
/// Several ActorPush processes on 127.0.0.1, each with its own HTTP and remoting port, joined into one cluster
/// through the environment variables operators use (ACTORPUSH_CLUSTER_SEEDS / _HOSTNAME / _PORT), with extra HOCON
/// (failure detection, split-brain timing) in an override file.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly TempConfigFile _config;

    private ProcessCluster(TempConfigFile config, ServerProcess[] nodes, int[] httpPorts)
    {
        _config = config;
        Nodes = nodes;
        HttpPorts = httpPorts;
    }

    public ServerProcess[] Nodes { get; }

    public int[] HttpPorts { get; }

    public Uri BaseUri(int node) => new($"http://127.0.0.1:{HttpPorts[node]}");

    public HttpClient Http(int node) => new() { BaseAddress = BaseUri(node), Timeout = Deadlines.Default };

    public static async Task<ProcessCluster> StartAsync(int size, string hocon)
    {
        var config = await TempConfigFile.WriteAsync(hocon);
        var httpPorts = Enumerable.Range(0, size).Select(_ => ServerProcess.FreePort()).ToArray();
        var remotePorts = Enumerable.Range(0, size).Select(_ => ServerProcess.FreePort()).ToArray();
        var nodes = Enumerable.Range(0, size).Select(i => ServerProcess.Start(
            ["--urls", $"http://127.0.0.1:{httpPorts[i]}", "--config", config.Path],
            new Dictionary<string, string>
            {
                ["ACTORPUSH_CLUSTER_SEEDS"] = $"127.0.0.1:{remotePorts[0]}",
                ["ACTORPUSH_CLUSTER_HOSTNAME"] = "127.0.0.1",
                ["ACTORPUSH_CLUSTER_PORT"] = remotePorts[i].ToString(System.Globalization.CultureInfo.InvariantCulture),
            })).ToArray();
        var cluster = new ProcessCluster(config, nodes, httpPorts);
        try
        {
            for (var i = 0; i < size; i++)
                await nodes[i].WaitUntilServingAsync(cluster.BaseUri(i));
            for (var i = 0; i < size; i++)
                await cluster.WaitForMembersAsync(i, size);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>Waits until node <paramref name="node"/> counts <paramref name="count"/> members up, every one answering its stats.</summary>
    public Task WaitForMembersAsync(int node, int count) =>
        Eventually.HoldsAsync(async () =>
        {
            if (Nodes[node].HasExited)
                throw new InvalidOperationException($"node {node} exited:\n{Nodes[node].Output}");
            using var http = Http(node);
            var (_, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");
            var stats = JsonDocument.Parse(body).RootElement;
            return stats.GetProperty("nodes").GetInt32() == count && stats.GetProperty("perNode").GetArrayLength() == count &&
                   stats.GetProperty("unanswered").GetArrayLength() == 0;
        }, $"node {node} to see {count} members up, each answering", TimeSpan.FromSeconds(90));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.DisposeAsync();
        _config.Dispose();
    }
}
