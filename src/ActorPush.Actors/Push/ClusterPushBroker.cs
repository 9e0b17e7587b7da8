using Akka.Actor;
using ActorPush.Actors.Cluster;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Push;

/// <summary>
/// The <see cref="IPushBroker"/> of a cluster node. A publish is encoded once and delivered to this node's own
/// recipients at once, and handed to the node's <see cref="PushRouterActor"/>, which sends it once to every other node
/// (they encode it once each for theirs). User commands go the same way, so a command and a push from one caller keep
/// their order everywhere. Questions go to every node's router with the API's deadline; the nodes that do not answer
/// in time are named in the answer.
/// </summary>
public sealed class ClusterPushBroker(LocalFanOut node, IActorRef router, TimeSpan askTimeout) : IPushBroker
{
    /// <summary>
    /// Admission is this node's: a publish this node accepts goes to every other node, which takes it over its own
    /// limit (the publisher was already answered 202).
    /// </summary>
    public PublishOutcome Publish(PushTarget target, ReadOnlySpan<byte> payload, FrameKind kind, Admission admission = Admission.RefuseWhenFull)
    {
        if (node.TryPublish(target, payload, kind, admission) is not { } frame)
            return PublishOutcome.Overloaded;
        router.Tell(new PushItem(target, kind, frame.Payload), ActorRefs.NoSender); // the same bytes, not a second copy
        return PublishOutcome.Accepted;
    }

    public PushClient Connect(string userId, IReadOnlyCollection<string> topics, IClientConnection connection) =>
        node.Connect(userId, topics, connection);

    public void Subscribe(string userId, string topic) => Command(new UserCommand(UserCommandKind.Subscribe, userId, topic));

    public void Unsubscribe(string userId, string topic) => Command(new UserCommand(UserCommandKind.Unsubscribe, userId, topic));

    public void Kick(string userId, ushort code, string reason) => Command(new UserCommand(UserCommandKind.Kick, userId, Code: code, Reason: reason));

    public async Task<PresenceAnswer> PresenceAsync(string userId, CancellationToken cancellationToken)
    {
        var (peers, answers, unanswered) = await AskAllAsync(
            Own(node.PresenceAsync(userId, cancellationToken), count => new PresenceReply(count)), new AskPresence(userId), cancellationToken);
        return new PresenceAnswer(userId, answers.Sum(reply => reply.Connections), answers.Count, peers, unanswered);
    }

    public async Task<TopicAnswer> TopicAsync(string topic, CancellationToken cancellationToken)
    {
        var (peers, answers, unanswered) = await AskAllAsync(
            Own(node.TopicSubscribersAsync(topic, cancellationToken), count => new TopicReply(count)), new AskTopic(topic), cancellationToken);
        return new TopicAnswer(topic, answers.Sum(reply => reply.Subscribers), answers.Count, peers, unanswered);
    }

    public async Task<StatsAnswer> StatsAsync(CancellationToken cancellationToken)
    {
        var (peers, answers, unanswered) = await AskAllAsync(
            Own(node.StatsAsync(cancellationToken), stats => new StatsReply(stats)), AskStats.Instance, cancellationToken);
        return new StatsAnswer([.. answers.Select(reply => reply.Stats)], peers, unanswered);
    }

    private void Command(UserCommand command)
    {
        node.Apply(command);
        router.Tell(command, ActorRefs.NoSender);
    }

    /// <summary>
    /// Asks this node (<paramref name="local"/>) and every other member's router (<paramref name="question"/>) at once,
    /// each with the API's deadline. Returns the members up, the answers that came, and the nodes that gave none.
    /// </summary>
    private async Task<(int Nodes, List<T> Answers, List<string> Unanswered)> AskAllAsync<T>(
        Task<T?> local, IClusterMessage question, CancellationToken cancellationToken)
        where T : class
    {
        var peers = await router.Ask<Peers>(GetPeers.Instance, askTimeout, cancellationToken);
        var remote = peers.Others.Select(peer => (peer.Node, Answer: peer.Router is { } other
            ? LocalFanOut.AskAsync<T>(other, question, askTimeout, cancellationToken)
            : Task.FromResult<T?>(null))).ToArray();
        var answers = new List<T>();
        var unanswered = new List<string>();
        if (await local is { } own)
            answers.Add(own);
        else
            unanswered.Add(node.Node);
        foreach (var (name, answer) in remote)
        {
            if (await answer is { } reply)
                answers.Add(reply);
            else
                unanswered.Add(name);
        }

        return (peers.MembersUp, answers, unanswered);
    }

    /// <summary>This node's own answer in the shape the other nodes reply in.</summary>
    private static async Task<T?> Own<T>(Task<int?> answer, Func<int, T> reply)
        where T : class =>
        await answer is { } value ? reply(value) : null;

    private static async Task<T?> Own<T>(Task<NodeStats?> answer, Func<NodeStats, T> reply)
        where T : class =>
        await answer is { } value ? reply(value) : null;
}
