using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorPush.Actors.Transport;

/// <summary>
/// The server-to-client envelopes of the <c>actorpush.v1</c> protocol (docs/protocol.md): one JSON object per
/// text frame. A message is <c>{"type":"message","stream":...,"kind":"text"|"binary","data":...}</c>, with binary
/// data as base64. <see cref="OutboundFrame.Enveloped"/> encodes each message once and shares the envelope.
/// </summary>
public static class Envelopes
{
    public const string Protocol = "actorpush.v1";

    // Relaxed escaping: non-ASCII text stays UTF-8 instead of becoming \uXXXX (the envelope is not HTML).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The server's application-level keepalive, the same frame for every connection.</summary>
    public static readonly OutboundFrame Ping = Control(writer => writer.WriteString("type", "ping"));

    /// <summary>Wraps one message in its envelope, as a text frame that is sent to v1 clients as it is.</summary>
    public static OutboundFrame Message(OutboundFrame frame, PushStream stream)
    {
        var buffer = new ArrayBufferWriter<byte>(frame.Payload.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "message");
            writer.WriteString("stream", stream.Name);
            var text = frame.Kind == FrameKind.Text && System.Text.Unicode.Utf8.IsValid(frame.Payload.Span);
            writer.WriteString("kind", text ? "text" : "binary");
            if (text)
                writer.WriteString("data", frame.Payload.Span);
            else
                writer.WriteBase64String("data", frame.Payload.Span);
            writer.WriteEndObject();
        }

        return OutboundFrame.Envelope(buffer.WrittenSpan);
    }

    /// <summary>Writes one protocol object (welcome, ack, error, pong) and frames it.</summary>
    public static OutboundFrame Control(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return OutboundFrame.Envelope(buffer.WrittenSpan);
    }
}
