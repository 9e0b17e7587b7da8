using System.Net;

namespace ActorPush.LoadTest;

/// <summary>Everything a run is told on the command line (see <see cref="LoadCommandLine"/> for names and defaults).</summary>
public sealed class LoadOptions
{
    public required Scenario Scenario { get; init; }
    public required TargetEndpoint Target { get; init; }
    public required IPAddress[] Sources { get; init; }
    public required int Clients { get; init; }
    public required int Senders { get; init; }
    public required int Messages { get; init; }
    public required int PayloadBytes { get; init; }
    public required double Rate { get; init; }
    public required int Window { get; init; }
    public required double ConnectRate { get; init; }
    public required int ConnectConcurrency { get; init; }
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
    public required int? ServerPid { get; init; }
    public required string Label { get; init; }
    public required string? JsonPath { get; init; }
    public required bool Quiet { get; init; }

    /// <summary>Checks that span several options; null when the combination is fine.</summary>
    public string? Inconsistency()
    {
        if (Scenario is Scenario.Fanout or Scenario.Churn or Scenario.Slow && Senders < 1)
            return "this scenario needs --senders >= 1";
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
