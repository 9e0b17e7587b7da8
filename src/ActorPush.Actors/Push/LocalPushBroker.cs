using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Push;

/// <summary>
/// The single-node <see cref="IPushBroker"/>: every call goes straight to this node's fan-out entry, and every
/// question has one node to ask. Right for everything one process can hold; when the sockets or the fan-out
/// outgrow one machine, configure seed nodes and the cluster broker takes over (docs/cluster.md).
/// </summary>
public sealed class LocalPushBroker(LocalFanOut node) : IPushBroker
{
    private static readonly IReadOnlyList<string> NoneMissing = [];

    public PublishOutcome Publish(PushTarget target, ReadOnlySpan<byte> payload, FrameKind kind, Admission admission = Admission.RefuseWhenFull) =>
        node.Publish(target, payload, kind, admission);

    public PushClient Connect(string userId, IReadOnlyCollection<string> topics, IClientConnection connection) =>
        node.Connect(userId, topics, connection);

    public void Subscribe(string userId, string topic) => node.Apply(new UserCommand(UserCommandKind.Subscribe, userId, topic));

    public void Unsubscribe(string userId, string topic) => node.Apply(new UserCommand(UserCommandKind.Unsubscribe, userId, topic));

    public void Kick(string userId, ushort code, string reason) => node.Apply(new UserCommand(UserCommandKind.Kick, userId, Code: code, Reason: reason));

    public async Task<PresenceAnswer> PresenceAsync(string userId, CancellationToken cancellationToken) =>
        await node.PresenceAsync(userId, cancellationToken) is { } connections
            ? new PresenceAnswer(userId, connections, 1, 1, NoneMissing)
            : new PresenceAnswer(userId, 0, 0, 1, [node.Node]);

    public async Task<TopicAnswer> TopicAsync(string topic, CancellationToken cancellationToken) =>
        await node.TopicSubscribersAsync(topic, cancellationToken) is { } subscribers
            ? new TopicAnswer(topic, subscribers, 1, 1, NoneMissing)
            : new TopicAnswer(topic, 0, 0, 1, [node.Node]);

    public async Task<StatsAnswer> StatsAsync(CancellationToken cancellationToken) =>
        await node.StatsAsync(cancellationToken) is { } stats
            ? new StatsAnswer([stats], 1, NoneMissing)
            : new StatsAnswer([], 1, [node.Node]);
}
