using Akka.Actor;

namespace ActorPush.Actors.Cluster;

/// <summary>This node's cluster counters, one instance per actor system (an Akka extension).</summary>
public sealed class ClusterCounters : IExtension
{
    private long _outboxDropped;
    private long _batchesSent;
    private long _itemsSent;
    private long _bytesSent;

    public static ClusterCounters Get(ActorSystem system) => system.WithExtension<ClusterCounters, ClusterCountersProvider>();

    /// <summary>Pushes and commands for another node dropped because its outbox was full (stats: outboxDropped).</summary>
    public long OutboxDropped => Volatile.Read(ref _outboxDropped);

    /// <summary>Node batches this node serialized for other nodes (stats: clusterBatchesSent).</summary>
    public long BatchesSent => Volatile.Read(ref _batchesSent);

    /// <summary>Pushes and user commands in those batches (stats: clusterItemsSent): one per publish per other node.</summary>
    public long ItemsSent => Volatile.Read(ref _itemsSent);

    /// <summary>Serialized bytes of those batches (stats: clusterBytesSent), without Akka.Remote's envelope.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>Counts one drop; returns the total so far.</summary>
    public long Dropped() => Interlocked.Increment(ref _outboxDropped);

    /// <summary>Counts one batch of <paramref name="items"/> written as <paramref name="bytes"/> for another node.</summary>
    public void BatchSent(int items, int bytes)
    {
        Interlocked.Increment(ref _batchesSent);
        Interlocked.Add(ref _itemsSent, items);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    private sealed class ClusterCountersProvider : ExtensionIdProvider<ClusterCounters>
    {
        public override ClusterCounters CreateExtension(ExtendedActorSystem system) => new();
    }
}
