using System.Buffers;
using System.Buffers.Binary;
using ActorPush.Protocol;
using static ActorPush.Host.Tests.Protocol.RawWebSocketClient;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>
/// The shared RFC 6455 codec (ActorPush.Protocol) checked against the test suite's own raw client, which frames
/// independently: what one writes the other must read, byte for byte.
/// </summary>
public sealed class CodecTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    public void A_client_frame_the_codec_writes_is_the_frame_the_oracle_writes(int length)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        byte[] mask = [0x37, 0xFA, 0x21, 0x3D];
        var written = new byte[FrameHeader.MaxLength + length];

        var size = FrameHeader.WriteClientFrame(written, Opcode.Binary, payload, BinaryPrimitives.ReadUInt32LittleEndian(mask));

        Assert.Equal(Frame(Op.Binary, payload, mask: mask), written[..size]);
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(1000, 1)]
    [InlineData(70_000, 3)]
    public void A_client_frame_from_the_oracle_parses_and_unmasks_to_its_payload(int length, int split)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 13)).ToArray();
        var frame = Frame(Op.Text, payload, fin: false, mask: [0x01, 0x80, 0xFE, 0x42]);

        Assert.Equal(FrameHeader.Result.Parsed, FrameHeader.TryParse(new ReadOnlySequence<byte>(frame), out var header, out var headerLength));
        Assert.False(header.Fin);
        Assert.Equal(Opcode.Text, header.Opcode);
        Assert.Equal(length, header.PayloadLength);
        // Unmasked in two pieces, the second starting at an offset that is not a multiple of 4.
        var body = frame.AsSpan(headerLength);
        var cut = Math.Min(split, body.Length);
        FrameHeader.Unmask(body[..cut], header.Mask, offset: 0);
        FrameHeader.Unmask(body[cut..], header.Mask, offset: cut);
        Assert.Equal(payload, body.ToArray());
    }

    [Fact]
    public void A_header_is_incomplete_until_its_last_byte_arrives()
    {
        var frame = Frame(Op.Binary, new byte[300]);
        for (var available = 0; available < 8; available++)
            Assert.Equal(FrameHeader.Result.Incomplete, FrameHeader.TryParse(new ReadOnlySequence<byte>(frame, 0, available), out _, out _));
        Assert.Equal(FrameHeader.Result.Parsed, FrameHeader.TryParse(new ReadOnlySequence<byte>(frame, 0, 8), out _, out _));
    }

    [Theory]
    [InlineData("rsv")]
    [InlineData("opcode")]
    [InlineData("unmasked")]
    [InlineData("long ping")]
    [InlineData("fragmented close")]
    [InlineData("top bit")]
    public void A_client_frame_that_breaks_the_rules_is_a_protocol_error(string fault)
    {
        var frame = fault switch
        {
            "rsv" => Frame(Op.Text, "x"u8, rsv: 4),
            "opcode" => Frame(0x3, "x"u8),
            "unmasked" => Frame(Op.Text, "x"u8, masked: false),
            "long ping" => Frame(Op.Ping, new byte[126]),
            "fragmented close" => Frame(Op.Close, [0x03, 0xE8], fin: false),
            _ => Frame(Op.Binary, [], declaredLength: long.MinValue, lengthEncoding: 8),
        };

        Assert.Equal(FrameHeader.Result.ProtocolError, FrameHeader.TryParse(new ReadOnlySequence<byte>(frame), out _, out _));
    }

    [Fact]
    public void A_server_frame_header_round_trips_and_a_masked_one_is_refused()
    {
        var frame = new byte[10 + 70_000];
        var header = FrameHeader.WriteServerHeader(frame, Opcode.Text, 70_000);

        Assert.Equal(FrameHeader.ServerHeaderLength(70_000), header);
        Assert.Equal(FrameHeader.Result.Parsed, FrameHeader.TryParseServerFrame(frame, out var parsed, out var parsedLength));
        Assert.Equal((header, 70_000L, Opcode.Text, true), (parsedLength, parsed.PayloadLength, parsed.Opcode, parsed.Fin));
        Assert.Equal(FrameHeader.Result.ProtocolError, FrameHeader.TryParseServerFrame(Frame(Op.Text, "x"u8), out _, out _));
    }

    [Fact]
    public void The_accept_key_is_the_one_of_RFC_6455_and_of_the_oracle()
    {
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AcceptKey.Compute("dGhlIHNhbXBsZSBub25jZQ=="));
        Assert.Equal(ComputeAccept(ValidKey), AcceptKey.Compute(ValidKey));
        Assert.True(AcceptKey.IsValidKey(ValidKey));
        Assert.False(AcceptKey.IsValidKey("c2hvcnQ="));
    }
}
