namespace ActorPush.LoadTest;

/// <summary>Idle: connect N, hold them for a while, sample the server's memory, report.</summary>
public static class IdleScenario
{
    public static async Task RunAsync(LoadRun run)
    {
        var clients = await run.ConnectAsync(run.Options.Clients, _ => null, _ => false).ConfigureAwait(false);
        foreach (var client in clients)
        {
            client.StartReceiving();
        }

        run.SetReceivers(clients);
        try
        {
            run.Phase = "hold";
            var toolCpu = ProcessSampler.OwnCpuSeconds();
            try
            {
                await Task.Delay(run.Options.Hold, run.Deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            run.SampleServerConnected();
            run.SampleServerEnd();
            var closed = clients.Count(c => c.ClosedByServer);
            run.Report.ClosedByServer = closed;
            run.Report.ToolCpuSeconds = Math.Round(ProcessSampler.OwnCpuSeconds() - toolCpu, 2);
            if (closed > 0)
            {
                run.Report.Failures.Add($"{closed} idle connection(s) were closed by the server");
            }

            if (clients.Length == 0)
            {
                run.Report.Failures.Add("no connection succeeded");
            }
        }
        finally
        {
            await run.CloseAllAsync(clients).ConfigureAwait(false);
        }
    }
}
