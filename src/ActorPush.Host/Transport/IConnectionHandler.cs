using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

/// <summary>
/// What sits above a <see cref="PushWebSocket"/>: the transport hands it whole messages and pings and knows nothing
/// of what they mean (the Host's <c>ClientSession</c> publishes them, or answers actorpush.v1 requests).
/// </summary>
internal interface IConnectionHandler
{
    /// <summary>Whether a message the client sends comes back to it (it is broadcast to everyone, the sender included).</summary>
    bool EchoesToSender { get; }

    /// <summary>A whole message arrived (<paramref name="payload"/> is copied before this returns). Returns 0 to go on, or a close code.</summary>
    ushort OnMessage(ReadOnlySpan<byte> payload, FrameKind kind);

    /// <summary>A ping arrived. Returns 0 to go on (the transport answers it), or a close code.</summary>
    ushort OnPing(int payloadLength);

    /// <summary>The connection ended; called once.</summary>
    void End();
}
