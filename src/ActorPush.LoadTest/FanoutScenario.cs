using System.Diagnostics;

namespace ActorPush.LoadTest;

/// <summary>Fan-out: S of the N clients publish M messages each; every client must receive every message, in order, once.</summary>
public static class FanoutScenario
{
    public static async Task RunAsync(LoadRun run)
    {
        var options = run.Options;
        var clients = await run.ConnectReceiversAsync().ConfigureAwait(false);
        try
        {
            if (clients.Length < options.Senders)
            {
                run.Report.Failures.Add("not enough connections to publish");
                return;
            }

            var wireBefore = options.StatsUrl is { } statsUrl ? await ClusterWire.ReadAsync(statsUrl, run.Report, run.Deadline).ConfigureAwait(false) : null;
            var loadStart = Stopwatch.GetTimestamp();
            var serverCpu = run.ServerCpu();
            var toolCpu = ProcessSampler.OwnCpuSeconds();
            await run.PublishAndDrainAsync(PickSenders(clients, options.Senders, options.Targets.Length)).ConfigureAwait(false);
            run.EvaluateReceivers(loadStart, serverCpu, toolCpu);
            if (wireBefore is not null && await ClusterWire.ReadAsync(options.StatsUrl!, run.Report, run.Deadline).ConfigureAwait(false) is { } wireAfter)
            {
                run.Report.Cluster = ClusterWire.Between(wireBefore, wireAfter, run.Report.MessagesSent);
            }
            run.SampleServerEnd();
        }
        finally
        {
            await run.CloseAllAsync(clients).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Senders spread evenly over the clients (and so over the source addresses), and over the target servers:
    /// sender i is a client of server <c>i % servers</c> (client ids map to servers round-robin), so with several
    /// nodes the publishers sit on different nodes.
    /// </summary>
    public static WsClient[] PickSenders(WsClient[] clients, int count, int servers = 1)
    {
        var picked = new WsClient[count];
        var taken = new HashSet<int>();
        for (var i = 0; i < count; i++)
        {
            var start = (int)((long)i * clients.Length / count);
            var index = Enumerable.Range(0, clients.Length).Select(k => (start + k) % clients.Length)
                .Where(k => !taken.Contains(k))
                .OrderBy(k => clients[k].Id % servers == i % servers ? 0 : 1) // stable: the nearest on that server first
                .First();
            taken.Add(index);
            picked[i] = clients[index];
        }

        return picked;
    }
}
