namespace ActorPush.Actors.Push;

/// <summary>One node's counters since it started.</summary>
public sealed record NodeStats(
    string Node,
    int Connections,
    int Users,
    int Topics,
    int Subscriptions,
    long MessagesIn,
    long MessagesOut,
    long PublishesDropped,
    long ClientFramesDiscarded,
    long SlowConsumerDisconnects,
    long RateLimitDisconnects,
    long SubscriptionsRefused,
    long OutboxDropped,
    long ClusterBatchesSent,
    long ClusterItemsSent,
    long ClusterBytesSent);

/// <summary>
/// Answers of a question put to every node. <see cref="Unanswered"/> names the nodes that did not reply before the
/// deadline; their share is missing from the totals. No answer at all: <see cref="AnyAnswered"/> is false.
/// </summary>
public abstract record ClusterAnswer(int Nodes, IReadOnlyList<string> Unanswered)
{
    public abstract bool AnyAnswered { get; }
}

/// <summary>A user's connections over every node that answered.</summary>
public sealed record PresenceAnswer(string UserId, int Connections, int Answered, int Nodes, IReadOnlyList<string> Unanswered)
    : ClusterAnswer(Nodes, Unanswered)
{
    public override bool AnyAnswered => Answered > 0;
}

/// <summary>A topic's subscribers over every node that answered.</summary>
public sealed record TopicAnswer(string Topic, int Subscribers, int Answered, int Nodes, IReadOnlyList<string> Unanswered)
    : ClusterAnswer(Nodes, Unanswered)
{
    public override bool AnyAnswered => Answered > 0;
}

/// <summary>Every answering node's counters (<see cref="PerNode"/>) and the cluster-wide totals (<see cref="Total"/>).</summary>
public sealed record StatsAnswer(IReadOnlyList<NodeStats> PerNode, int Nodes, IReadOnlyList<string> Unanswered)
    : ClusterAnswer(Nodes, Unanswered)
{
    public override bool AnyAnswered => PerNode.Count > 0;

    /// <summary>The sum over <see cref="PerNode"/>.</summary>
    public NodeStats Total => PerNode.Aggregate(new NodeStats("total", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), (sum, node) => sum with
    {
        Connections = sum.Connections + node.Connections,
        Users = sum.Users + node.Users,
        Topics = sum.Topics + node.Topics,
        Subscriptions = sum.Subscriptions + node.Subscriptions,
        MessagesIn = sum.MessagesIn + node.MessagesIn,
        MessagesOut = sum.MessagesOut + node.MessagesOut,
        PublishesDropped = sum.PublishesDropped + node.PublishesDropped,
        ClientFramesDiscarded = sum.ClientFramesDiscarded + node.ClientFramesDiscarded,
        SlowConsumerDisconnects = sum.SlowConsumerDisconnects + node.SlowConsumerDisconnects,
        RateLimitDisconnects = sum.RateLimitDisconnects + node.RateLimitDisconnects,
        SubscriptionsRefused = sum.SubscriptionsRefused + node.SubscriptionsRefused,
        OutboxDropped = sum.OutboxDropped + node.OutboxDropped,
        ClusterBatchesSent = sum.ClusterBatchesSent + node.ClusterBatchesSent,
        ClusterItemsSent = sum.ClusterItemsSent + node.ClusterItemsSent,
        ClusterBytesSent = sum.ClusterBytesSent + node.ClusterBytesSent,
    });
}
