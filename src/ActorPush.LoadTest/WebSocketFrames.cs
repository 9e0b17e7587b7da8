using System.Buffers.Binary;

namespace ActorPush.LoadTest;

/// <summary>RFC 6455 framing for the client side: outgoing frames are masked, incoming ones are not.</summary>
public static class WebSocketFrames
{
    public const byte OpContinuation = 0x0;
    public const byte OpText = 0x1;
    public const byte OpBinary = 0x2;
    public const byte OpClose = 0x8;
    public const byte OpPing = 0x9;
    public const byte OpPong = 0xA;

    /// <summary>Largest header a masked client frame needs (2 + 8 length + 4 mask).</summary>
    public const int MaxClientHeader = 14;

    /// <summary>Writes one final, masked frame into <paramref name="target"/> and returns its length.</summary>
    public static int WriteMasked(Span<byte> target, byte opcode, ReadOnlySpan<byte> payload, uint maskKey)
    {
        target[0] = (byte)(0x80 | opcode);
        int header;
        if (payload.Length < 126)
        {
            target[1] = (byte)(0x80 | payload.Length);
            header = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            target[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(target.Slice(2), (ushort)payload.Length);
            header = 4;
        }
        else
        {
            target[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(target.Slice(2), (ulong)payload.Length);
            header = 10;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(target.Slice(header), maskKey);
        var mask = target.Slice(header, 4);
        var body = target.Slice(header + 4, payload.Length);
        for (var i = 0; i < payload.Length; i++)
        {
            body[i] = (byte)(payload[i] ^ mask[i & 3]);
        }

        return header + 4 + payload.Length;
    }

    /// <summary>
    /// Reads the header of an unmasked server frame. Returns false when more bytes are needed;
    /// <paramref name="headerLength"/> + <paramref name="payloadLength"/> is the frame's size.
    /// </summary>
    public static bool TryReadHeader(
        ReadOnlySpan<byte> data,
        out bool fin,
        out byte opcode,
        out bool masked,
        out int headerLength,
        out long payloadLength)
    {
        fin = false;
        opcode = 0;
        masked = false;
        headerLength = 0;
        payloadLength = 0;
        if (data.Length < 2)
        {
            return false;
        }

        fin = (data[0] & 0x80) != 0;
        opcode = (byte)(data[0] & 0x0F);
        masked = (data[1] & 0x80) != 0;
        var len7 = data[1] & 0x7F;
        headerLength = 2;
        if (len7 == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(2));
            headerLength = 4;
        }
        else if (len7 == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }

            payloadLength = (long)BinaryPrimitives.ReadUInt64BigEndian(data.Slice(2));
            headerLength = 10;
        }
        else
        {
            payloadLength = len7;
        }

        if (masked)
        {
            headerLength += 4;
            if (data.Length < headerLength)
            {
                return false;
            }
        }

        return true;
    }
}
