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

            var loadStart = Stopwatch.GetTimestamp();
            var serverCpu = run.ServerCpu();
            var toolCpu = ProcessSampler.OwnCpuSeconds();
            await run.PublishAndDrainAsync(PickSenders(clients, options.Senders)).ConfigureAwait(false);
            run.EvaluateReceivers(loadStart, serverCpu, toolCpu);
            run.SampleServerEnd();
        }
        finally
        {
            await run.CloseAllAsync(clients).ConfigureAwait(false);
        }
    }

    /// <summary>Senders spread evenly over the clients (and so over the source addresses).</summary>
    public static WsClient[] PickSenders(WsClient[] clients, int count) =>
        Enumerable.Range(0, count).Select(i => clients[(int)((long)i * clients.Length / count)]).ToArray();
}
