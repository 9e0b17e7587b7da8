using Akka.Actor;
using Akka.Cluster;
using ActorPush.Actors.Cluster;
using ActorPush.Actors.Metrics;
using ActorPush.Host.Observability;

namespace ActorPush.Host.Cluster;

/// <summary>
/// What a clustered node tells operators about its cluster: <c>/readyz</c> waits until this node is an Up member,
/// and <c>actorpush_cluster_members{status}</c> counts the members it sees by status (plus <c>unreachable</c>),
/// read from the cluster's gossip state at scrape time, never on the hot path; the <c>actorpush_cluster_sent_*</c> and
/// <c>actorpush_cluster_outbox_dropped_total</c> counters read <see cref="ClusterCounters"/>. Registered only in cluster mode,
/// after the actor system, so it starts once the system exists.
/// </summary>
internal sealed class ClusterObservability(ActorSystem system, Readiness readiness) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        readiness.Require("cluster joined", () => cluster.SelfMember.Status == MemberStatus.Up);
        var metrics = PushMetrics.Get(system);
        metrics.ClusterMembers = () => MembersByStatus(cluster.State);
        metrics.ClusterTraffic = ClusterCounters.Get(system);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static IEnumerable<KeyValuePair<string, long>> MembersByStatus(ClusterEvent.CurrentClusterState state)
    {
        var counts = state.Members
            .GroupBy(member => member.Status)
            .Select(group => new KeyValuePair<string, long>(group.Key.ToString().ToLowerInvariant(), group.Count()))
            .ToList();
        counts.Add(new KeyValuePair<string, long>("unreachable", state.Unreachable.Count));
        return counts;
    }
}
