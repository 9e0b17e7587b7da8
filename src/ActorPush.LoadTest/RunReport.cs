namespace ActorPush.LoadTest;

/// <summary>The result of one run: what the table prints and what <c>--json</c> writes.</summary>
public sealed class RunReport
{
    public string Tool { get; init; } = "ActorPush.LoadTest";
    public string Label { get; set; } = "";
    public string Scenario { get; set; } = "";
    public string Target { get; set; } = "";
    public int Nodes { get; set; } = 1;
    public DateTimeOffset StartedAt { get; set; }
    public double WallSeconds { get; set; }
    public bool Passed { get; set; }
    public List<string> Failures { get; set; } = [];

    public int ClientsRequested { get; set; }
    public long Connected { get; set; }
    public long ConnectErrors { get; set; }
    public Dictionary<string, int> ConnectErrorKinds { get; set; } = [];
    public double ConnectSeconds { get; set; }
    public double ConnectsPerSecond { get; set; }
    public double ConnectP50Ms { get; set; }
    public double ConnectP99Ms { get; set; }
    public double ConnectMaxMs { get; set; }
    public int Sources { get; set; }

    public int Senders { get; set; }
    public int MessagesPerSender { get; set; }
    public int PayloadBytes { get; set; }
    public string Pacing { get; set; } = "";
    public long MessagesSent { get; set; }
    public long DeliveriesExpected { get; set; }
    public long DeliveriesReceived { get; set; }
    public long Missing { get; set; }
    public long Duplicates { get; set; }
    public long OrderViolations { get; set; }
    public long ForeignFrames { get; set; }
    public long ClosedByServer { get; set; }
    public bool Stalled { get; set; }
    public double DeliverySeconds { get; set; }
    public double DeliveriesPerSecond { get; set; }
    public LatencyReport LatencyUs { get; set; } = new();

    public double ToolCpuSeconds { get; set; }
    public double ToolCpuShareOfLoad { get; set; }

    /// <summary>The load tool's own CPU seconds while it connected its clients (with the kernel's work for its sockets that it was charged).</summary>
    public double ToolCpuSecondsConnect { get; set; }

    /// <summary>Collections of the load tool's own GC while it connected its clients, and their pause (see <see cref="ToolGcWindow"/>).</summary>
    public int ToolGcConnect { get; set; }

    public double ToolGcPauseMsConnect { get; set; }

    public ServerReport? Server { get; set; }
    public ChurnReport? Churn { get; set; }
    public SlowReport? Slow { get; set; }
    public ClusterWireReport? Cluster { get; set; }
}

public sealed class LatencyReport
{
    public long Count { get; set; }
    public long P50 { get; set; }
    public long P90 { get; set; }
    public long P99 { get; set; }
    public long P999 { get; set; }
    public long Max { get; set; }
    public double Mean { get; set; }

    public static LatencyReport From(LatencyHistogram h) => new()
    {
        Count = h.Count,
        P50 = h.Percentile(50),
        P90 = h.Percentile(90),
        P99 = h.Percentile(99),
        P999 = h.Percentile(99.9),
        Max = h.Max,
        Mean = Math.Round(h.Mean, 1),
    };
}

public sealed class ServerReport
{
    public int Pid { get; set; }
    public int[] Pids { get; set; } = [];
    public long? RssBeforeKiB { get; set; }
    public long? RssConnectedKiB { get; set; }
    public long? RssAfterKiB { get; set; }
    public long? PeakRssKiB { get; set; }
    public double? RssPerConnectionKiB { get; set; }
    public double? CpuSecondsConnect { get; set; }
    public double? CpuSecondsLoad { get; set; }
    public double? CpuSecondsPerMillionDeliveries { get; set; }
}

public sealed class ChurnReport
{
    public long Connects { get; set; }
    public long Disconnects { get; set; }
    public long ConnectErrors { get; set; }
    public Dictionary<string, int> ConnectErrorKinds { get; set; } = [];
    public long DeliveriesReceived { get; set; }
    public long GapsInsideWindow { get; set; }
    public long Duplicates { get; set; }
    public long OrderViolations { get; set; }
}

public sealed class SlowReport
{
    public int SlowClients { get; set; }
    public int FastClients { get; set; }
    public long ClosedWithExpectedCode { get; set; }
    public Dictionary<string, int> CloseCodes { get; set; } = [];
    public long ClosedWithoutFrame { get; set; }
    public long StillOpen { get; set; }
    public long SlowDeliveries { get; set; }
}

/// <summary>What the cluster's nodes sent each other during the load (<c>--stats-url</c>); per peer = per other node.</summary>
public sealed class ClusterWireReport
{
    public int Nodes { get; set; }
    public long Batches { get; set; }
    public long Items { get; set; }
    public long Bytes { get; set; }
    public long OutboxDropped { get; set; }
    public double ItemsPerPublishPerPeer { get; set; }
    public double BatchesPerPublishPerPeer { get; set; }
    public double BytesPerPublishPerPeer { get; set; }
    public double ItemsPerBatch { get; set; }
}
