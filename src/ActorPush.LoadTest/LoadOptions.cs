using System.Net;

namespace ActorPush.LoadTest;

/// <summary>Everything a run is told on the command line (see <see cref="LoadCommandLine"/> for names and defaults).</summary>
public sealed class LoadOptions
{
    public required Scenario Scenario { get; init; }
    /// <summary>The servers (a cluster's nodes): client i connects to <c>Targets[i % Targets.Length]</c>.</summary>
    public required TargetEndpoint[] Targets { get; init; }
    public required IPAddress[] Sources { get; init; }
    public required int Clients { get; init; }
    public required int Senders { get; init; }
    public required int Messages { get; init; }
    public required int PayloadBytes { get; init; }
    public required double Rate { get; init; }
    public required int Window { get; init; }
    public required double ConnectRate { get; init; }
    public required int ConnectConcurrency { get; init; }
    /// <summary>Starts in a row before the connect loop queues itself behind waiting work (0: never).</summary>
    public required int ConnectYieldEvery { get; init; }
    public required TimeSpan ConnectTimeout { get; init; }
    public required TimeSpan Hold { get; init; }
    public required int ChurnPool { get; init; }
    public required double ChurnRate { get; init; }
    public required double SlowShare { get; init; }
    public required int SlowSocketBuffer { get; init; }
    public required TimeSpan SlowDrain { get; init; }
    public required int? ExpectSlowClose { get; init; }
    public required TimeSpan DrainTimeout { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int ReceiveBuffer { get; init; }
    /// <summary>Server processes whose RSS and CPU time are sampled and summed (none: not sampled).</summary>
    public required int[] ServerPids { get; init; }
    public required Uri? StatsUrl { get; init; }
    public required string Label { get; init; }
    public required string? JsonPath { get; init; }
    public required bool Quiet { get; init; }
    /// <summary>Socket completions run on the socket engine's thread (see <see cref="LoadProgram.ApplyInlineCompletions"/>).</summary>
    public required bool InlineCompletions { get; init; }

    /// <summary>The server client <paramref name="id"/> connects to.</summary>
    public TargetEndpoint TargetFor(int id) => Targets[id % Targets.Length];

    /// <summary>Checks that span several options; null when the combination is fine.</summary>
    public string? Inconsistency()
    {
        if (Scenario is Scenario.Fanout or Scenario.Churn or Scenario.Slow && Senders < 1)
            return "this scenario needs --senders >= 1";
        if (Targets.Length > 1 && Senders > 0 && Clients < Targets.Length)
            return "--clients must be at least the number of --url targets";
        if (Senders > Clients)
            return "--senders cannot exceed --clients";
        if (Scenario == Scenario.Slow && Clients - (int)Math.Round(Clients * SlowShare) < Senders)
            return "slow: not enough fast clients for the senders";
        var trackedBits = (double)(Clients + (Scenario == Scenario.Churn ? ChurnPool * 4 : 0)) * Senders * Messages;
        if (trackedBits / 8 > 1L << 30)
            return "clients x senders x messages too large to track (over 1 GiB of bitmaps)";
        return null;
    }
}
