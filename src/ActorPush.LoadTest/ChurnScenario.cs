using System.Diagnostics;

namespace ActorPush.LoadTest;

/// <summary>
/// Churn: a fan-out runs over N stable clients while a pool of extra clients is replaced at a rate
/// (half closed politely, half dropped). Stable clients must get everything; churning clients must see
/// no duplicates, no reordering and no gaps within the span they were connected.
/// </summary>
public static class ChurnScenario
{
    public static async Task RunAsync(LoadRun run)
    {
        var options = run.Options;
        var clients = await run.ConnectReceiversAsync().ConfigureAwait(false);
        var churners = new List<WsClient>();
        var churnTrackers = new List<DeliveryTracker>();
        var churnConnector = new Connector(options);
        var churn = new ChurnReport();
        run.Report.Churn = churn;
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
            using var stopChurn = CancellationTokenSource.CreateLinkedTokenSource(run.Deadline);
            var churning = ChurnLoopAsync(run, churnConnector, churners, churnTrackers, churn, stopChurn.Token);
            await run.PublishAndDrainAsync(FanoutScenario.PickSenders(clients, options.Senders, options.Targets.Length)).ConfigureAwait(false);
            stopChurn.Cancel();
            await churning.ConfigureAwait(false);
            run.EvaluateReceivers(loadStart, serverCpu, toolCpu);
            run.SampleServerEnd();

            churn.ConnectErrors = churnConnector.Errors;
            churn.ConnectErrorKinds = new Dictionary<string, int>(churnConnector.ErrorKinds);
            foreach (var t in churnTrackers)
            {
                churn.DeliveriesReceived += t.Received;
                churn.GapsInsideWindow += t.GapsInsideWindow();
                churn.Duplicates += t.Duplicates;
                churn.OrderViolations += t.OrderViolations;
            }

            if (churn.GapsInsideWindow + churn.Duplicates + churn.OrderViolations > 0)
            {
                run.Report.Failures.Add(
                    $"churning clients: {churn.GapsInsideWindow} gaps, {churn.Duplicates} duplicates, {churn.OrderViolations} out of order");
            }
        }
        finally
        {
            await run.CloseAllAsync(clients.Concat(churners)).ConfigureAwait(false);
        }
    }

    private static async Task ChurnLoopAsync(
        LoadRun run,
        Connector connector,
        List<WsClient> churners,
        List<DeliveryTracker> trackers,
        ChurnReport churn,
        CancellationToken stop)
    {
        var options = run.Options;
        var pool = new Queue<WsClient>();
        var nextId = options.Clients;
        var start = Stopwatch.GetTimestamp();
        for (long op = 0; !stop.IsCancellationRequested; op++)
        {
            var due = TimeSpan.FromSeconds(op / options.ChurnRate) - Stopwatch.GetElapsedTime(start);
            try
            {
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (pool.Count >= options.ChurnPool)
            {
                var leaving = pool.Dequeue();
                if (op % 2 == 0)
                {
                    await leaving.CloseAsync().ConfigureAwait(false);
                }
                else
                {
                    leaving.Abort();
                }

                churn.Disconnects++;
            }

            var tracker = run.NewTracker(recordLatency: false);
            var client = await connector.ConnectOneAsync(nextId++, tracker, null, stop).ConfigureAwait(false);
            if (client is null)
            {
                continue;
            }

            client.StartReceiving();
            trackers.Add(tracker);
            run.AddExtraTracker(tracker);
            churners.Add(client);
            pool.Enqueue(client);
            churn.Connects++;
        }
    }
}
