using Akka.Actor;
using Akka.Event;
using ActorPush.Protocol;

namespace ActorPush.Actors.Transport;

/// <summary>What kind of WebSocket frame a payload travels in (the RFC 6455 opcode).</summary>
public enum FrameKind : byte
{
    Text = 1,
    Binary = 2,

    /// <summary>Control frame the transport sends for keepalive.</summary>
    Ping = 9,

    /// <summary>Control frame the transport sends in answer to a client's ping.</summary>
    Pong = 10,
}

/// <summary>
/// One message on its way out, encoded once as a complete server-to-client WebSocket frame (RFC 6455:
/// FIN set, unmasked). The same instance, and the same bytes, go to every recipient: nothing on the
/// fan-out path copies or re-encodes it. Frames that reach a client that is already gone are not
/// logged as dead letters.
/// </summary>
public sealed class OutboundFrame : INoSerializationVerificationNeeded, IDeadLetterSuppression
{
    private readonly byte[] _encoded;
    private readonly int _headerLength;
    private OutboundFrame? _enveloped;

    /// <summary>Copies <paramref name="payload"/> once, behind its frame header.</summary>
    /// <param name="stream">The stream v1 clients are told it came on; <see cref="PushStream.Broadcast"/> when null.</param>
    public OutboundFrame(ReadOnlySpan<byte> payload, FrameKind kind, PushStream? stream = null)
    {
        Kind = kind;
        Stream = stream ?? PushStream.Broadcast;
        Published = System.Diagnostics.Stopwatch.GetTimestamp();
        _headerLength = FrameHeader.ServerHeaderLength(payload.Length);
        _encoded = new byte[_headerLength + payload.Length];
        FrameHeader.WriteServerHeader(_encoded, (Opcode)kind, payload.Length);
        payload.CopyTo(_encoded.AsSpan(_headerLength));
    }

    public FrameKind Kind { get; }

    /// <summary>The stream this message travels on; null for a frame that already is an actorpush.v1 envelope.</summary>
    public PushStream? Stream { get; }

    /// <summary>
    /// This message as <c>actorpush.v1</c> clients get it: its envelope, encoded the first time a v1 recipient
    /// asks and then shared by all of them (so a stream is encoded once per protocol, not per recipient).
    /// A frame that is an envelope already (welcome, ack, keepalive) is itself.
    /// </summary>
    public OutboundFrame Enveloped => Stream is null ? this : _enveloped ?? EncodeEnvelope(Stream);

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of when the frame was made (its publish), stamped
    /// once per frame: the send pump measures fan-out latency against it.</summary>
    public long Published { get; }

    /// <summary>The message itself, without the frame header.</summary>
    public ReadOnlyMemory<byte> Payload => _encoded.AsMemory(_headerLength);

    /// <summary>The complete frame as it goes on the wire (a span straight over the array: the send pump
    /// reads it for every recipient, so it skips the type checks of <c>ReadOnlyMemory.Span</c>).</summary>
    public ReadOnlySpan<byte> Encoded => _encoded;

    /// <summary>Bytes this frame costs in a connection's outbound queue.</summary>
    public int Size => _encoded.Length;

    /// <summary>A text frame that is an actorpush.v1 envelope already: v1 clients get it as it is.</summary>
    public static OutboundFrame Envelope(ReadOnlySpan<byte> json) => new(json, FrameKind.Text, envelope: true);

    private OutboundFrame(ReadOnlySpan<byte> payload, FrameKind kind, bool envelope)
        : this(payload, kind)
    {
        if (envelope)
            Stream = null;
    }

    // Recipients on several threads may race here: one envelope wins and everybody shares it.
    private OutboundFrame EncodeEnvelope(PushStream stream) =>
        Interlocked.CompareExchange(ref _enveloped, Envelopes.Message(this, stream), null) ?? _enveloped!;
}
