using System.Globalization;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>
/// Several ActorPush processes on 127.0.0.1, each with its own HTTP and remoting port, joined into one cluster
/// through the environment variables operators use (ACTORPUSH_CLUSTER_SEEDS / _HOSTNAME / _PORT), with extra HOCON
/// (failure detection, split-brain timing) in an override file. The first node is the seed; more can join later.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly TempConfigFile _config;
    private readonly List<ServerProcess> _nodes = [];
    private readonly List<int> _httpPorts = [];
    private readonly List<int> _remotePorts = [];

    private ProcessCluster(TempConfigFile config) => _config = config;

    public IReadOnlyList<ServerProcess> Nodes => _nodes;

    public IReadOnlyList<int> HttpPorts => _httpPorts;

    public IEnumerable<Uri> BaseUris => _httpPorts.Select((_, i) => BaseUri(i));

    public Uri BaseUri(int node) => new($"http://127.0.0.1:{_httpPorts[node]}");

    /// <summary>Node <paramref name="node"/>'s cluster address, as answers name it (<c>unanswered</c>).</summary>
    public string Address(int node) => $"akka.tcp://actorpush@127.0.0.1:{_remotePorts[node]}";

    public HttpClient Http(int node) => new() { BaseAddress = BaseUri(node), Timeout = Deadlines.Default };

    public static async Task<ProcessCluster> StartAsync(int size, string hocon)
    {
        var cluster = new ProcessCluster(await TempConfigFile.WriteAsync(hocon));
        try
        {
            for (var i = 0; i < size; i++)
                cluster.Launch();
            for (var i = 0; i < size; i++)
                await cluster._nodes[i].WaitUntilServingAsync(cluster.BaseUri(i));
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

    /// <summary>Starts one more node with the same seeds and waits until it serves HTTP (it may not have joined yet).</summary>
    public async Task<int> AddNodeAsync()
    {
        var node = Launch();
        await _nodes[node].WaitUntilServingAsync(BaseUri(node));
        return node;
    }

    /// <summary>Waits until node <paramref name="node"/> counts <paramref name="count"/> members up, every one answering its stats.</summary>
    public Task WaitForMembersAsync(int node, int count) =>
        Eventually.HoldsAsync(async () =>
        {
            if (_nodes[node].HasExited)
                throw new InvalidOperationException($"node {node} exited:\n{_nodes[node].Output}");
            using var http = Http(node);
            var (_, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");
            var stats = JsonDocument.Parse(body).RootElement;
            return stats.GetProperty("nodes").GetInt32() == count && stats.GetProperty("perNode").GetArrayLength() == count &&
                   stats.GetProperty("unanswered").GetArrayLength() == 0;
        }, $"node {node} to see {count} members up, each answering", TimeSpan.FromSeconds(90));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync(); // SIGKILL, which also ends a paused (SIGSTOP) process
        _config.Dispose();
    }

    private int Launch()
    {
        var index = _nodes.Count;
        _httpPorts.Add(ServerProcess.FreePort());
        _remotePorts.Add(ServerProcess.FreePort());
        _nodes.Add(ServerProcess.Start(
            ["--urls", $"http://127.0.0.1:{_httpPorts[index]}", "--config", _config.Path],
            new Dictionary<string, string>
            {
                ["ACTORPUSH_CLUSTER_SEEDS"] = $"127.0.0.1:{_remotePorts[0]}",
                ["ACTORPUSH_CLUSTER_HOSTNAME"] = "127.0.0.1",
                ["ACTORPUSH_CLUSTER_PORT"] = _remotePorts[index].ToString(CultureInfo.InvariantCulture),
            }));
        return index;
    }
}
