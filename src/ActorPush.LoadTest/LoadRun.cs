using System.Diagnostics;

namespace ActorPush.LoadTest;

/// <summary>
/// The state one run shares between its phases, the progress line and the report:
/// options, connections, counters, the latency histogram and the server samples.
/// </summary>
public sealed class LoadRun
{
    private readonly long _startTicks = Stopwatch.GetTimestamp();
    private readonly List<DeliveryTracker> _extraTrackers = [];
    private WsClient[] _receivers = [];
    private Publisher[] _publishers = [];

    public LoadRun(LoadOptions options, CancellationToken deadline)
    {
        Options = options;
        Deadline = deadline;
        Connector = new Connector(options);
        Report = new RunReport
        {
            Label = options.Label,
            Scenario = options.Scenario.ToString().ToLowerInvariant(),
            Target = string.Join(",", options.Targets.Select(t => t.ToString())),
            Nodes = options.Targets.Length,
            StartedAt = DateTimeOffset.UtcNow,
            ClientsRequested = options.Clients,
            Sources = options.Sources.Length,
            Senders = options.Scenario == Scenario.Idle ? 0 : options.Senders,
            MessagesPerSender = options.Scenario == Scenario.Idle ? 0 : options.Messages,
            PayloadBytes = options.PayloadBytes,
            Pacing = options.Rate > 0 ? $"rate {options.Rate}/s" : $"window {options.Window}",
        };
        if (options.ServerPids.Length > 0)
        {
            Report.Server = new ServerReport { Pid = options.ServerPids[0], Pids = options.ServerPids, RssBeforeKiB = ServerRssKiB() };
        }
    }

    public LoadOptions Options { get; }

    public CancellationToken Deadline { get; }

    public Connector Connector { get; }

    public LatencyHistogram Latency { get; } = new();

    public RunReport Report { get; }

    public volatile string Phase = "start";

    public long Expected { get; set; }

    public double Elapsed => Stopwatch.GetElapsedTime(_startTicks).TotalSeconds;

    public long MessagesSent => _publishers.Sum(p => p.Sent);

    /// <summary>Deliveries seen by the tracked receivers plus any extra (churn, slow) trackers.</summary>
    public long Received()
    {
        long total = 0;
        foreach (var c in _receivers)
        {
            total += c.Tracker.Received;
        }

        lock (_extraTrackers)
        {
            foreach (var t in _extraTrackers)
            {
                total += t.Received;
            }
        }

        return total;
    }

    public long ReceiversReceived()
    {
        long total = 0;
        foreach (var c in _receivers)
        {
            total += c.Tracker.Received;
        }

        return total;
    }

    public void AddExtraTracker(DeliveryTracker tracker)
    {
        lock (_extraTrackers)
        {
            _extraTrackers.Add(tracker);
        }
    }

    public DeliveryTracker NewTracker(bool recordLatency) =>
        new(Options.Scenario == Scenario.Idle ? 0 : Options.Senders, Options.Scenario == Scenario.Idle ? 0 : Options.Messages, recordLatency ? Latency : null);

    /// <summary>Connects <paramref name="count"/> clients; the report gets the connect statistics.</summary>
    public async Task<WsClient[]> ConnectAsync(int count, Func<int, int?> socketReceiveBufferFor, Func<int, bool> recordLatencyFor)
    {
        Phase = "connect";
        // Allocating the buffers is what fills the pinned heap's budget and would start full collections mid-storm.
        var buffers = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            buffers[i] = WsClient.NewReceiveBuffer(Options.ReceiveBuffer);
        }

        var gc = new ToolGcWindow(count * ToolGcWindow.BytesPerConnect);
        var started = Stopwatch.GetTimestamp();
        var cpuBefore = ServerCpu();
        var toolCpuBefore = ProcessSampler.OwnCpuSeconds();
        WsClient?[] clients;
        try
        {
            clients = await Connector.ConnectManyAsync(0, count, id => NewTracker(recordLatencyFor(id)), socketReceiveBufferFor, buffers, Deadline)
                .ConfigureAwait(false);
        }
        finally
        {
            gc.End();
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Report.ToolGcConnect = gc.Collections;
        Report.ToolGcPauseMsConnect = Math.Round(gc.PauseMs, 1);
        Report.ToolCpuSecondsConnect = Math.Round(ProcessSampler.OwnCpuSeconds() - toolCpuBefore, 2);
        Report.Connected = Connector.Connected;
        Report.ConnectErrors = Connector.Errors;
        Report.ConnectErrorKinds = new Dictionary<string, int>(Connector.ErrorKinds);
        Report.ConnectSeconds = Math.Round(seconds, 3);
        Report.ConnectsPerSecond = Math.Round(Connector.Connected / Math.Max(seconds, 1e-6), 1);
        Report.ConnectP50Ms = Connector.ConnectMicros.Percentile(50) / 1000.0;
        Report.ConnectP99Ms = Connector.ConnectMicros.Percentile(99) / 1000.0;
        Report.ConnectMaxMs = Connector.ConnectMicros.Max / 1000.0;
        if (Report.Server is { } server && cpuBefore is { } before && ServerCpu() is { } after)
        {
            server.CpuSecondsConnect = Math.Round(after - before, 2);
        }

        if (Connector.Errors > 0)
        {
            Report.Failures.Add($"{Connector.Errors} connection(s) failed");
        }

        return clients.Where(c => c is not null).Select(c => c!).ToArray();
    }

    /// <summary>Sets the clients whose deliveries are checked against the full expected count.</summary>
    public void SetReceivers(WsClient[] receivers) => _receivers = receivers;

    /// <summary>
    /// Connects <c>--clients</c> clients that all read and all count as receivers, then samples the
    /// server's connected state: the common start of the fan-out and churn scenarios.
    /// </summary>
    public async Task<WsClient[]> ConnectReceiversAsync()
    {
        var clients = await ConnectAsync(Options.Clients, _ => null, _ => true).ConfigureAwait(false);
        foreach (var client in clients)
        {
            client.StartReceiving();
        }

        SetReceivers(clients);
        SampleServerConnected();
        return clients;
    }

    /// <summary>
    /// Runs the publishers to the end, stopping them (stalled) when nothing is delivered for the drain timeout,
    /// then waits for the receivers to get everything or for the drain timeout to pass without progress.
    /// </summary>
    public async Task PublishAndDrainAsync(WsClient[] senders)
    {
        var ratePerSender = Options.Rate > 0 ? Options.Rate / senders.Length : 0;
        _publishers = senders.Select((c, i) => new Publisher(c, i, Options, ratePerSender)).ToArray();
        Phase = "publish";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        var publishing = Task.WhenAll(_publishers.Select(p => Task.Run(() => p.RunAsync(stop.Token))));

        var lastReceived = -1L;
        var lastProgress = Stopwatch.GetTimestamp();
        while (!publishing.IsCompleted)
        {
            await Task.WhenAny(publishing, Task.Delay(100)).ConfigureAwait(false);
            var received = Received();
            if (received != lastReceived)
            {
                lastReceived = received;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > Options.DrainTimeout)
            {
                Report.Stalled = true;
                stop.Cancel();
            }
        }

        await publishing.ConfigureAwait(false);
        Report.MessagesSent = MessagesSent;
        Expected = (long)_receivers.Length * Report.MessagesSent;
        if (Report.MessagesSent < (long)senders.Length * Options.Messages)
        {
            Report.Failures.Add($"only {Report.MessagesSent} of {(long)senders.Length * Options.Messages} messages were sent"
                + (Report.Stalled ? " (deliveries stalled)" : Deadline.IsCancellationRequested ? " (run timeout)" : ""));
        }

        Phase = "drain";
        lastReceived = -1;
        lastProgress = Stopwatch.GetTimestamp();
        while (!Deadline.IsCancellationRequested)
        {
            var received = ReceiversReceived();
            if (received >= Expected)
            {
                break;
            }

            if (received != lastReceived)
            {
                lastReceived = received;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > Options.DrainTimeout)
            {
                break;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Fills the delivery part of the report from the receivers' trackers.</summary>
    public void EvaluateReceivers(long loadStartTicks, double? serverCpuAtLoadStart, double toolCpuAtLoadStart)
    {
        long received = 0, unique = 0, duplicates = 0, order = 0, foreign = 0, closedByServer = 0, lastDelivery = 0;
        foreach (var c in _receivers)
        {
            var t = c.Tracker;
            received += t.Received;
            unique += t.Unique();
            duplicates += t.Duplicates;
            order += t.OrderViolations;
            foreign += t.Foreign;
            lastDelivery = Math.Max(lastDelivery, t.LastDelivery);
            if (c.ClosedByServer)
            {
                closedByServer++;
            }
        }

        Report.DeliveriesExpected = Expected;
        Report.DeliveriesReceived = received;
        Report.Missing = Math.Max(0, Expected - unique);
        Report.Duplicates = duplicates;
        Report.OrderViolations = order;
        Report.ForeignFrames = foreign;
        Report.ClosedByServer = closedByServer;
        var seconds = lastDelivery > loadStartTicks
            ? Stopwatch.GetElapsedTime(loadStartTicks, lastDelivery).TotalSeconds
            : Stopwatch.GetElapsedTime(loadStartTicks).TotalSeconds;
        Report.DeliverySeconds = Math.Round(seconds, 3);
        Report.DeliveriesPerSecond = Math.Round(received / Math.Max(seconds, 1e-6), 0);
        Report.LatencyUs = LatencyReport.From(Latency);

        var toolCpu = ProcessSampler.OwnCpuSeconds() - toolCpuAtLoadStart;
        var wall = Stopwatch.GetElapsedTime(loadStartTicks).TotalSeconds;
        Report.ToolCpuSeconds = Math.Round(toolCpu, 2);
        Report.ToolCpuShareOfLoad = Math.Round(toolCpu / Math.Max(wall, 1e-6), 3);
        if (Report.Server is { } server && serverCpuAtLoadStart is { } before && ServerCpu() is { } after)
        {
            server.CpuSecondsLoad = Math.Round(after - before, 2);
            if (received > 0)
            {
                server.CpuSecondsPerMillionDeliveries = Math.Round((after - before) / (received / 1e6), 3);
            }
        }

        if (Report.Missing > 0)
        {
            Report.Failures.Add($"{Report.Missing} deliveries missing");
        }

        if (duplicates > 0)
        {
            Report.Failures.Add($"{duplicates} duplicate deliveries");
        }

        if (order > 0)
        {
            Report.Failures.Add($"{order} deliveries out of order");
        }

        if (closedByServer > 0)
        {
            Report.Failures.Add($"{closedByServer} checked client(s) were closed by the server");
        }
    }

    /// <summary>CPU seconds of every server process together; null when one cannot be read (or none is sampled).</summary>
    public double? ServerCpu() => SumOverServers<double>(ProcessSampler.ReadCpuSeconds);

    private long? ServerRssKiB() => SumOverServers<long>(ProcessSampler.ReadRssKiB);

    private T? SumOverServers<T>(Func<int, T?> sample)
        where T : struct, System.Numerics.INumber<T>
    {
        if (Options.ServerPids.Length == 0)
        {
            return null;
        }

        var sum = T.Zero;
        foreach (var pid in Options.ServerPids)
        {
            if (sample(pid) is not { } value)
            {
                return null;
            }

            sum += value;
        }

        return sum;
    }

    public void SampleServerConnected()
    {
        if (Report.Server is { } server)
        {
            server.RssConnectedKiB = ServerRssKiB();
            if (server.RssConnectedKiB is { } connected && server.RssBeforeKiB is { } before && Report.Connected > 0)
            {
                server.RssPerConnectionKiB = Math.Round((connected - before) / (double)Report.Connected, 2);
            }
        }
    }

    public void SampleServerEnd()
    {
        if (Report.Server is { } server)
        {
            server.RssAfterKiB = ServerRssKiB();
            server.PeakRssKiB = SumOverServers<long>(pid => ProcessSampler.ReadStatusKiB(pid, "VmHWM"));
        }
    }

    /// <summary>Closes every client, a bounded number at a time, within a bounded time.</summary>
    public async Task CloseAllAsync(IEnumerable<WsClient> clients)
    {
        Phase = "close";
        var gate = new SemaphoreSlim(256);
        var closing = new List<Task>();
        foreach (var c in clients)
        {
            await gate.WaitAsync().ConfigureAwait(false);
            closing.Add(CloseOneAsync(c, gate));
        }

        await Task.WhenAny(Task.WhenAll(closing), Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
    }

    private static async Task CloseOneAsync(WsClient client, SemaphoreSlim gate)
    {
        try
        {
            await client.CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}
