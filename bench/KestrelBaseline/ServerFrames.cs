using System.Buffers;
using System.Buffers.Binary;
using ActorPush.Protocol;

namespace KestrelBaseline;

/// <summary>Server frames encoded once and shared by every connection (headers from the one RFC 6455 codec).</summary>
public static class ServerFrames
{
    /// <summary>Builds one final unmasked frame: header and payload in one array, ready for any number of connections.</summary>
    public static byte[] Encode(Opcode opcode, ReadOnlySequence<byte> payload)
    {
        var frame = Allocate(opcode, payload.Length, out var header);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    public static byte[] Encode(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        var frame = Allocate(opcode, payload.Length, out var header);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    public static byte[] Close(ushort code)
    {
        Span<byte> payload = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        return Encode(Opcode.Close, payload);
    }

    private static byte[] Allocate(Opcode opcode, long payloadLength, out int header)
    {
        header = FrameHeader.ServerHeaderLength(payloadLength);
        var frame = new byte[header + payloadLength];
        FrameHeader.WriteServerHeader(frame, opcode, payloadLength);
        return frame;
    }
}
