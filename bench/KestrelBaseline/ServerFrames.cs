using System.Buffers;
using System.Buffers.Binary;

namespace KestrelBaseline;

/// <summary>RFC 6455 framing for the server side: incoming frames are masked, outgoing ones are not.</summary>
public static class ServerFrames
{
    public const byte OpContinuation = 0x0;
    public const byte OpText = 0x1;
    public const byte OpBinary = 0x2;
    public const byte OpClose = 0x8;
    public const byte OpPing = 0x9;
    public const byte OpPong = 0xA;

    public static int HeaderLength(long payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Builds one final unmasked frame: header and payload in one array, ready for any number of connections.</summary>
    public static byte[] Encode(byte opcode, ReadOnlySequence<byte> payload)
    {
        var length = payload.Length;
        var header = HeaderLength(length);
        var frame = new byte[header + length];
        WriteHeader(frame, opcode, length);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    public static byte[] Encode(byte opcode, ReadOnlySpan<byte> payload)
    {
        var header = HeaderLength(payload.Length);
        var frame = new byte[header + payload.Length];
        WriteHeader(frame, opcode, payload.Length);
        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    public static byte[] Close(ushort code)
    {
        Span<byte> payload = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        return Encode(OpClose, payload);
    }

    private static void WriteHeader(Span<byte> frame, byte opcode, long length)
    {
        frame[0] = (byte)(0x80 | opcode);
        if (length < 126)
        {
            frame[1] = (byte)length;
        }
        else if (length <= ushort.MaxValue)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)length);
        }
        else
        {
            frame[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame[2..], (ulong)length);
        }
    }

    /// <summary>
    /// Reads a masked client frame header from the start of <paramref name="data"/>.
    /// False when more bytes are needed. <paramref name="mask"/> is the 4-byte masking key.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySequence<byte> data, out bool fin, out byte opcode, out int headerLength, out long payloadLength, out uint mask)
    {
        fin = false;
        opcode = 0;
        headerLength = 0;
        payloadLength = 0;
        mask = 0;
        Span<byte> head = stackalloc byte[14];
        var available = (int)Math.Min(14, data.Length);
        if (available < 2)
        {
            return false;
        }

        data.Slice(0, available).CopyTo(head);
        fin = (head[0] & 0x80) != 0;
        opcode = (byte)(head[0] & 0x0F);
        var masked = (head[1] & 0x80) != 0;
        var len7 = head[1] & 0x7F;
        headerLength = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
        var maskAt = headerLength;
        if (masked)
        {
            headerLength += 4;
        }

        if (available < headerLength)
        {
            return false;
        }

        payloadLength = len7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(head[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(head[2..]),
            _ => len7,
        };
        mask = masked ? BinaryPrimitives.ReadUInt32LittleEndian(head[maskAt..]) : 0;
        return true;
    }

    /// <summary>XORs <paramref name="payload"/> with the masking key, starting at key byte 0.</summary>
    public static void Unmask(Span<byte> payload, uint mask)
    {
        if (mask == 0)
        {
            return;
        }

        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, mask);
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] ^= key[i & 3];
        }
    }
}
