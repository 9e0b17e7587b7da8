using Akka.Actor;

namespace ActorPush.Actors.Cluster;

/// <summary>This node's cluster counters, one instance per actor system (an Akka extension).</summary>
public sealed class ClusterCounters : IExtension
{
    private long _outboxDropped;

    public static ClusterCounters Get(ActorSystem system) => system.WithExtension<ClusterCounters, ClusterCountersProvider>();

    /// <summary>Pushes and commands for another node dropped because its outbox was full (stats: outboxDropped).</summary>
    public long OutboxDropped => Volatile.Read(ref _outboxDropped);

    /// <summary>Counts one drop; returns the total so far.</summary>
    public long Dropped() => Interlocked.Increment(ref _outboxDropped);

    private sealed class ClusterCountersProvider : ExtensionIdProvider<ClusterCounters>
    {
        public override ClusterCounters CreateExtension(ExtendedActorSystem system) => new();
    }
}
