using System.Buffers;
using System.Buffers.Binary;

namespace ActorPush.Host.Transport;

/// <summary>RFC 6455 opcodes.</summary>
internal enum Opcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>A client frame header (RFC 6455 section 5.2), parsed and checked before any payload is read.</summary>
internal readonly struct FrameHeader
{
    public const int MaxControlPayload = 125;
    private const int MaxHeaderLength = 14; // 2 + 8 (length) + 4 (mask)

    public FrameHeader(bool fin, Opcode opcode, long payloadLength, uint mask)
    {
        Fin = fin;
        Opcode = opcode;
        PayloadLength = payloadLength;
        Mask = mask;
    }

    public bool Fin { get; }
    public Opcode Opcode { get; }
    public long PayloadLength { get; }

    /// <summary>The masking key as it appears on the wire (first key byte in the lowest byte).</summary>
    public uint Mask { get; }

    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    public enum Result
    {
        Incomplete,
        Parsed,
        ProtocolError,
    }

    /// <summary>
    /// Parses a header at the start of <paramref name="buffer"/>. Rejects (as protocol errors) reserved
    /// bits, unknown opcodes, unmasked client frames, over-long or fragmented control frames and
    /// lengths with the top bit set. Only the header is examined; the payload length is known before
    /// a byte of it is read.
    /// </summary>
    public static Result TryParse(in ReadOnlySequence<byte> buffer, out FrameHeader header, out int headerLength)
    {
        header = default;
        headerLength = 0;
        Span<byte> bytes = stackalloc byte[MaxHeaderLength];
        var available = (int)Math.Min(buffer.Length, MaxHeaderLength);
        if (available < 2)
            return Result.Incomplete;
        buffer.Slice(0, available).CopyTo(bytes);

        var fin = (bytes[0] & 0x80) != 0;
        if ((bytes[0] & 0x70) != 0)
            return Result.ProtocolError; // RSV bits: no extension was negotiated
        var opcode = (Opcode)(bytes[0] & 0x0F);
        if (opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
            return Result.ProtocolError;
        if ((bytes[1] & 0x80) == 0)
            return Result.ProtocolError; // clients must mask
        long length = bytes[1] & 0x7F;
        var lengthBytes = length switch { 126 => 2, 127 => 8, _ => 0 };
        headerLength = 2 + lengthBytes + 4;
        if (available < headerLength)
            return Result.Incomplete;
        if (lengthBytes == 2)
            length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        else if (lengthBytes == 8)
        {
            var wide = BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]);
            if (wide > long.MaxValue)
                return Result.ProtocolError;
            length = (long)wide;
        }

        var isControl = ((byte)opcode & 0x8) != 0;
        if (isControl && (!fin || length > MaxControlPayload))
            return Result.ProtocolError;
        var mask = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(2 + lengthBytes)..]);
        header = new FrameHeader(fin, opcode, length, mask);
        return Result.Parsed;
    }

    /// <summary>Unmasks <paramref name="data"/> in place; <paramref name="offset"/> is how many payload bytes came before it.</summary>
    public static void Unmask(Span<byte> data, uint mask, long offset)
    {
        // Rotate the key so that data[0] lines up with key byte (offset % 4).
        var shift = (int)(offset & 3) * 8;
        var key = shift == 0 ? mask : (mask >> shift) | (mask << (32 - shift));
        var i = 0;
        var key64 = ((ulong)key << 32) | key;
        for (; i + 8 <= data.Length; i += 8)
        {
            var chunk = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            BinaryPrimitives.WriteUInt64LittleEndian(data[i..], chunk ^ key64);
        }

        for (; i < data.Length; i++)
            data[i] ^= (byte)(key >> ((i & 3) * 8));
    }
}
