namespace ActorPush.Host.Handshake;

/// <summary>The policy's answer to a handshake: accept it for a user, or refuse it with an HTTP status and a short text.</summary>
public abstract record HandshakeDecision
{
    public static HandshakeDecision Refuse(int status, string text) => new Refused(status, text);
}

/// <summary>The connection may open for <paramref name="UserId"/>, subscribed to <paramref name="Topics"/>.</summary>
public sealed record Accepted(string UserId, IReadOnlyList<string> Topics) : HandshakeDecision
{
    /// <summary>
    /// The connection's slot under <c>actorpush.limits.*</c>, held from the decision on. <see cref="Sessions.ClientSession.Start"/>
    /// takes it over and releases it in <c>End</c>; a transport that does not start a session after all (the upgrade
    /// failed) must dispose it. Disposing is idempotent.
    /// </summary>
    public ConnectionLease? Lease { get; init; }

    /// <summary>The token's <c>topics</c> claim (null: any topic); topics subscribed later on the socket obey it too.</summary>
    public IReadOnlySet<string>? AllowedTopics { get; init; }
}

/// <summary>The handshake is refused before any upgrade.</summary>
public sealed record Refused(int Status, string Text) : HandshakeDecision;
