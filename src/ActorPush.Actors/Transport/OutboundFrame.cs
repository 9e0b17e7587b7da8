using Akka.Actor;
using Akka.Event;

namespace ActorPush.Actors.Transport;

/// <summary>What kind of WebSocket data frame a payload travels in.</summary>
public enum FrameKind : byte
{
    Text = 1,
    Binary = 2,
}

/// <summary>
/// One message on its way out. It is created once per publish and the same instance (and the same
/// bytes) is handed to every recipient: nothing on the fan-out path copies or re-encodes it.
/// Frames that reach a client that is already gone are not logged as dead letters.
/// </summary>
public sealed class OutboundFrame : INoSerializationVerificationNeeded, IDeadLetterSuppression
{
    public OutboundFrame(ReadOnlyMemory<byte> payload, FrameKind kind)
    {
        Payload = payload;
        Kind = kind;
    }

    public ReadOnlyMemory<byte> Payload { get; }

    public FrameKind Kind { get; }

    /// <summary>Bytes this frame costs in a connection's outbound queue.</summary>
    public int Size => Payload.Length;
}
