namespace ActorPush.Host.Handshake;

/// <summary>The policy's answer to a handshake: accept it for a user, or refuse it with an HTTP status and a short text.</summary>
public abstract record HandshakeDecision
{
    public static HandshakeDecision Refuse(int status, string text) => new Refused(status, text);
}

/// <summary>The connection may open for <paramref name="UserId"/>, subscribed to <paramref name="Topics"/>.</summary>
public sealed record Accepted(string UserId, IReadOnlyList<string> Topics) : HandshakeDecision;

/// <summary>The handshake is refused before any upgrade.</summary>
public sealed record Refused(int Status, string Text) : HandshakeDecision;
