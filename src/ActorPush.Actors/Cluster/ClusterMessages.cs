using ActorPush.Actors.Push;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Cluster;

/// <summary>Marks every message that crosses nodes; all of them go through <see cref="ClusterSerializer"/>.</summary>
public interface IClusterMessage
{
}

/// <summary>
/// One publish on its way to another node: the payload and its kind, never an encoded frame (the receiving node
/// encodes it once for its own recipients). <see cref="Payload"/> may be a view of the sending node's own frame.
/// </summary>
public sealed record PushItem(PushTarget Target, FrameKind Kind, ReadOnlyMemory<byte> Payload)
{
    public bool Equals(PushItem? other) =>
        other is not null && Target == other.Target && Kind == other.Kind && Payload.Span.SequenceEqual(other.Payload.Span);

    public override int GetHashCode() => HashCode.Combine(Target, Kind, Payload.Length);
}

/// <summary>
/// What one node sends another, in the order its publishers handed it over: <see cref="PushItem"/>s and
/// <see cref="UserCommand"/>s. One batch per flush, so publishes that queue up cross the wire together.
/// <see cref="Sequence"/> counts the sending outbox's batches (1, 2, ...); the receiver acks it (<see cref="BatchAck"/>).
/// </summary>
public sealed class NodeBatch(long sequence, IReadOnlyList<object> items) : IClusterMessage
{
    public long Sequence { get; } = sequence;

    public IReadOnlyList<object> Items { get; } = items;
}

/// <summary>From the receiving node's router to the sending outbox: batch <paramref name="Sequence"/> (and every one before it) was dispatched.</summary>
public sealed record BatchAck(long Sequence) : IClusterMessage;

/// <summary>To another node's push router: how many connections does <paramref name="UserId"/> hold on your node?</summary>
public sealed record AskPresence(string UserId) : IClusterMessage;

/// <summary>Answer to <see cref="AskPresence"/>.</summary>
public sealed record PresenceReply(int Connections) : IClusterMessage;

/// <summary>To another node's push router: how many of your connections are subscribed to <paramref name="Topic"/>?</summary>
public sealed record AskTopic(string Topic) : IClusterMessage;

/// <summary>Answer to <see cref="AskTopic"/>.</summary>
public sealed record TopicReply(int Subscribers) : IClusterMessage;

/// <summary>To another node's push router: your counters, please.</summary>
public sealed class AskStats : IClusterMessage
{
    public static readonly AskStats Instance = new();

    private AskStats()
    {
    }
}

/// <summary>Answer to <see cref="AskStats"/>.</summary>
public sealed record StatsReply(NodeStats Stats) : IClusterMessage;
