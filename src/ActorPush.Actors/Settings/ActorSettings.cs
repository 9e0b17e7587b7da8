using Akka.Configuration;
using static ActorPush.Actors.Settings.SettingsReader;

namespace ActorPush.Actors.Settings;

/// <summary>
/// The settings the actors themselves read, out of the <c>actorpush</c> HOCON section. The Host's settings
/// (transport, API, auth, limits) live in the Host next to the code that reads them.
/// </summary>
public sealed record ActorSettings
{
    /// <summary>HOCON path of the BroadcastActor's mailbox block (used with <c>Props.WithMailbox</c>).</summary>
    public const string BroadcastMailboxPath = "actorpush.broadcast.mailbox";

    /// <summary>HOCON path of the ClientActors' mailbox block.</summary>
    public const string ClientMailboxPath = "actorpush.client.mailbox";

    /// <summary>Topics one connection may be subscribed to (at connect and through the API).</summary>
    public required int MaxTopicsPerConnection { get; init; }

    /// <summary>Live topics this node holds at most; a subscription that would create one more is refused.</summary>
    public required int MaxTopics { get; init; }

    /// <summary>Topic publishes waiting for fan-out on this node (TopicsActor and TopicActor mailboxes together) before the API is refused (503).</summary>
    public required int TopicMailboxCapacity { get; init; }

    /// <summary>Bytes those waiting topic publishes may hold (payload plus a per-publish overhead).</summary>
    public required long TopicMailboxCapacityBytes { get; init; }

    /// <summary>Publishes the BroadcastActor's mailbox holds before the API is refused (503) (read by <see cref="PublishMailbox"/>).</summary>
    public required int BroadcastMailboxCapacity { get; init; }

    /// <summary>Bytes the BroadcastActor's waiting publishes may hold (payload plus a per-publish overhead), read by <see cref="PublishMailbox"/>.</summary>
    public required long BroadcastMailboxCapacityBytes { get; init; }

    /// <summary>Frame messages a ClientActor's mailbox holds before its connection is cut as a slow consumer (read by <see cref="ClientMailbox"/>).</summary>
    public required int ClientMailboxCapacity { get; init; }

    /// <summary>Bytes of frames (with their overhead) a ClientActor's mailbox holds before its connection is cut as a slow consumer.</summary>
    public required long ClientMailboxMaxBytes { get; init; }

    /// <summary>Cluster mode: pushes and commands held for one other node that cannot be sent to yet, before drops.</summary>
    public required int ClusterOutboxLimit { get; init; }

    /// <summary>Cluster mode: payload bytes collected into one batch for another node.</summary>
    public required int ClusterBatchBytes { get; init; }

    /// <summary>Cluster mode: batches sent to one other node and not yet acknowledged by it, at most.</summary>
    public required int ClusterBatchesInFlight { get; init; }

    /// <exception cref="ActorPushConfigException">A key is unknown, missing or has a bad value.</exception>
    public static ActorSettings Create(Config root)
    {
        var config = ActorPushSection(root);
        return new ActorSettings
        {
            MaxTopicsPerConnection = (int)Number(config, "client.max-topics", min: 1, max: 65_536),
            MaxTopics = (int)Number(config, "topics.max-topics", min: 1, max: int.MaxValue),
            TopicMailboxCapacity = (int)Number(config, "topics.mailbox-capacity", min: 1, max: int.MaxValue),
            TopicMailboxCapacityBytes = Size(config, "topics.mailbox-capacity-bytes", min: 1, max: long.MaxValue),
            BroadcastMailboxCapacity = (int)Number(config, "broadcast.mailbox.mailbox-capacity", min: 1, max: int.MaxValue),
            BroadcastMailboxCapacityBytes = Size(config, "broadcast.mailbox.mailbox-capacity-bytes", min: 1, max: long.MaxValue),
            ClientMailboxCapacity = (int)Number(config, "client.mailbox.mailbox-capacity", min: 1, max: int.MaxValue),
            ClientMailboxMaxBytes = Size(config, "client.mailbox.mailbox-max-bytes", min: 1, max: long.MaxValue),
            ClusterOutboxLimit = (int)Number(config, "cluster.outbox-limit", min: 1, max: 10_000_000),
            ClusterBatchBytes = (int)Size(config, "cluster.batch-bytes", min: 1024, max: 16 * 1024 * 1024),
            ClusterBatchesInFlight = (int)Number(config, "cluster.batches-in-flight", min: 1, max: 1024),
        };
    }
}
