using System.Collections.Concurrent;
using Akka.Actor;

namespace ActorPush.Actors;

/// <summary>
/// The bounds of a node's topics, shared by the TopicsActor (which enforces them) and the edges that answer
/// callers (handshake, actorpush.v1 subscribe, the API), which check them first so that a refusal is an answer
/// (503, an error reply) instead of a silent drop:
/// <list type="bullet">
/// <item>
/// <see cref="Gate"/>: the topic publishes waiting in the TopicsActor's and the TopicActors' mailboxes, in count and
/// bytes (<c>actorpush.topics.mailbox-capacity</c>, <c>mailbox-capacity-bytes</c>), one budget for all topics.
/// </item>
/// <item>
/// <see cref="MaxTopics"/>: live topics on this node (<c>actorpush.topics.max-topics</c>); at the cap a subscription
/// to a topic that does not exist yet is refused, one to a live topic still works.
/// </item>
/// </list>
/// </summary>
public sealed class TopicAdmission : IExtension
{
    private readonly ConcurrentDictionary<string, byte> _live = new(StringComparer.Ordinal);

    public static TopicAdmission Get(ActorSystem system) => system.WithExtension<TopicAdmission, TopicAdmissionProvider>();

    /// <summary>The topic publishes waiting for fan-out on this node (set before the TopicsActor starts).</summary>
    public PublishGate Gate { get; private set; } = new(int.MaxValue, long.MaxValue);

    /// <summary>Live topics this node may hold.</summary>
    public int MaxTopics { get; private set; } = int.MaxValue;

    /// <summary>Live topics on this node now.</summary>
    public int Count => _live.Count;

    /// <summary>Sets the bounds (before the TopicsActor starts; <see cref="PushActors.AddPushActors"/> does it from the settings).</summary>
    public void Configure(int maxTopics, int mailboxCapacity, long mailboxCapacityBytes)
    {
        MaxTopics = maxTopics;
        Gate = new PublishGate(mailboxCapacity, mailboxCapacityBytes);
    }

    /// <summary>Whether a subscription to <paramref name="topic"/> would be taken now: it is live, or the node is under its cap.</summary>
    public bool Admits(string topic) => _live.Count < MaxTopics || _live.ContainsKey(topic);

    /// <summary>Why a subscription to <paramref name="topic"/> is refused now, as the edges answer it; null when it <see cref="Admits"/> it.</summary>
    public string? Refusal(string topic) =>
        Admits(topic) ? null : $"topic {topic} is new and this node holds its limit of {MaxTopics} topics (actorpush.topics.max-topics)";

    // Written only by the TopicsActor, read by anyone.
    internal void Created(string topic) => _live.TryAdd(topic, 0);

    internal void Removed(string topic) => _live.TryRemove(topic, out _);
}

public sealed class TopicAdmissionProvider : ExtensionIdProvider<TopicAdmission>
{
    public override TopicAdmission CreateExtension(ExtendedActorSystem system) => new();
}
