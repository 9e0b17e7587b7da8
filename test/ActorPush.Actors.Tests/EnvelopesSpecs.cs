using System.Text;
using System.Text.Json;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Tests;

/// <summary>actorpush.v1 envelopes: encoded once per message and shared by every v1 recipient; raw bytes untouched.</summary>
public sealed class EnvelopesSpecs
{
    [Fact]
    public void Every_v1_recipient_gets_the_same_envelope_instance_even_when_they_race()
    {
        var frame = new OutboundFrame("hello"u8, FrameKind.Text, PushStream.Topic("news"));
        var seen = new OutboundFrame[64];
        Parallel.For(0, seen.Length, i => seen[i] = frame.Enveloped);

        Assert.All(seen, envelope => Assert.Same(seen[0], envelope));
        Assert.Same(seen[0], seen[0].Enveloped); // an envelope is sent as it is
        Assert.Equal("hello", Encoding.UTF8.GetString(frame.Payload.Span)); // raw clients keep the bytes
    }

    [Fact]
    public void The_envelope_names_stream_kind_and_data_and_binary_is_base64()
    {
        var text = JsonDocument.Parse(new OutboundFrame("a \"q\" ✓"u8, FrameKind.Text, PushStream.User).Enveloped.Payload).RootElement;
        Assert.Equal("message", text.GetProperty("type").GetString());
        Assert.Equal("user", text.GetProperty("stream").GetString());
        Assert.Equal("text", text.GetProperty("kind").GetString());
        Assert.Equal("a \"q\" ✓", text.GetProperty("data").GetString());

        var envelope = new OutboundFrame([0, 255, 7], FrameKind.Binary).Enveloped;
        Assert.Equal(FrameKind.Text, envelope.Kind);
        var binary = JsonDocument.Parse(envelope.Payload).RootElement;
        Assert.Equal("broadcast", binary.GetProperty("stream").GetString());
        Assert.Equal("binary", binary.GetProperty("kind").GetString());
        Assert.Equal(new byte[] { 0, 255, 7 }, binary.GetProperty("data").GetBytesFromBase64());
    }
}
