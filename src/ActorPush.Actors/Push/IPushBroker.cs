using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Push;

/// <summary>
/// The one seam between the Host and the push machinery: everything the HTTP API and a client session do goes
/// through here (pushes, a client's own publish, server-side subscriptions, kicks, presence, stats). The Host does
/// not know whether one node or ten sit behind it.
///
/// Messages carry the payload and its kind, never an encoded WebSocket frame: each node encodes a frame once, at its
/// own fan-out entry (<see cref="LocalFanOut"/>), and shares those bytes with all of its recipients.
///
/// <see cref="LocalPushBroker"/> is the single-node implementation; it is all a single node needs, and the one to
/// keep until one process cannot hold the sockets or the fan-out any more.
/// </summary>
public interface IPushBroker
{
    /// <summary>
    /// Publishes <paramref name="payload"/> (copied before this returns) to <paramref name="target"/>. The outcome is
    /// known at once: <see cref="PublishOutcome.Overloaded"/> means the node refused it (the API answers 503).
    /// </summary>
    /// <param name="admission">
    /// <see cref="Admission.RefuseWhenFull"/> (the API): refused when the fan-out is full. <see cref="Admission.Always"/>
    /// (a client's own frames, which backpressure slows instead): never refused.
    /// </param>
    PublishOutcome Publish(PushTarget target, ReadOnlySpan<byte> payload, FrameKind kind, Admission admission = Admission.RefuseWhenFull);

    /// <summary>
    /// Starts the push side of one accepted connection: its ClientActor registers <paramref name="userId"/> and
    /// subscribes to <paramref name="topics"/>; the handshake may complete once <paramref name="connection"/> is told so.
    /// </summary>
    PushClient Connect(string userId, IReadOnlyCollection<string> topics, IClientConnection connection);

    /// <summary>Subscribes every current connection of <paramref name="userId"/> (on every node) to <paramref name="topic"/>.</summary>
    void Subscribe(string userId, string topic);

    /// <summary>Unsubscribes every current connection of <paramref name="userId"/> (on every node) from <paramref name="topic"/>.</summary>
    void Unsubscribe(string userId, string topic);

    /// <summary>Closes every connection of <paramref name="userId"/> (on every node) with <paramref name="code"/>.</summary>
    void Kick(string userId, ushort code, string reason);

    /// <summary>How many connections <paramref name="userId"/> holds, asked of every node with the API's deadline.</summary>
    Task<PresenceAnswer> PresenceAsync(string userId, CancellationToken cancellationToken);

    /// <summary>How many connections are subscribed to <paramref name="topic"/>, asked of every node with the API's deadline.</summary>
    Task<TopicAnswer> TopicAsync(string topic, CancellationToken cancellationToken);

    /// <summary>Every node's counters, asked with the API's deadline.</summary>
    Task<StatsAnswer> StatsAsync(CancellationToken cancellationToken);
}

/// <summary>Whether a publish may be refused when the node's fan-out is full.</summary>
public enum Admission
{
    /// <summary>Refuse it (<see cref="PublishOutcome.Overloaded"/>) when there is no room: the caller can answer 503.</summary>
    RefuseWhenFull,

    /// <summary>Take it over the limit: the caller cannot be refused (a client's frame); backpressure slows it instead.</summary>
    Always,
}

/// <summary>What a publish was refused or accepted as, decided synchronously by the node it was handed to.</summary>
public enum PublishOutcome
{
    /// <summary>Handed over: it will reach every recipient that does not fall behind.</summary>
    Accepted,

    /// <summary>
    /// The node is over its admission limit for publishes (the broadcast mailbox's gate): refused, nothing was sent.
    /// </summary>
    Overloaded,
}

/// <summary>Who a publish goes to: every connection, one user's connections, or one topic's subscribers.</summary>
public readonly record struct PushTarget(PushTargetKind Kind, string Name)
{
    public static PushTarget Everyone { get; } = new(PushTargetKind.Everyone, "");

    public static PushTarget User(string userId) => new(PushTargetKind.User, userId);

    public static PushTarget Topic(string topic) => new(PushTargetKind.Topic, topic);

    public override string ToString() => Kind switch
    {
        PushTargetKind.Everyone => "broadcast",
        PushTargetKind.User => "user:" + Name,
        _ => "topic:" + Name,
    };
}

public enum PushTargetKind : byte
{
    Everyone = 0,
    User = 1,
    Topic = 2,
}
