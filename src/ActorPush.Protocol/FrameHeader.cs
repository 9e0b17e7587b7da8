using System.Buffers;
using System.Buffers.Binary;

namespace ActorPush.Protocol;

/// <summary>A frame header (RFC 6455 section 5.2), parsed and checked before any payload is read.</summary>
public readonly struct FrameHeader
{
    public const int MaxControlPayload = 125;

    /// <summary>Longest header there is: 2 + 8 (extended length) + 4 (mask).</summary>
    public const int MaxLength = 14;

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

    /// <summary>The masking key as it appears on the wire (first key byte in the lowest byte); 0 for an unmasked frame.</summary>
    public uint Mask { get; }

    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    public enum Result
    {
        Incomplete,
        Parsed,
        ProtocolError,
    }

    /// <summary>
    /// Parses a client frame's header at the start of <paramref name="buffer"/> (what a server reads). Rejects,
    /// as protocol errors, reserved bits, unknown opcodes, unmasked frames, over-long or fragmented control
    /// frames and lengths with the top bit set. Only the header is examined; the payload length is known
    /// before a byte of it is read.
    /// </summary>
    public static Result TryParse(in ReadOnlySequence<byte> buffer, out FrameHeader header, out int headerLength)
    {
        Span<byte> bytes = stackalloc byte[MaxLength];
        var available = (int)Math.Min(buffer.Length, MaxLength);
        buffer.Slice(0, available).CopyTo(bytes);
        return TryParse(bytes[..available], masked: true, out header, out headerLength);
    }

    /// <summary>
    /// Parses a server frame's header at the start of <paramref name="bytes"/> (what a client reads): the same
    /// checks as <see cref="TryParse(in ReadOnlySequence{byte}, out FrameHeader, out int)"/>, except that the
    /// frame must not be masked.
    /// </summary>
    public static Result TryParseServerFrame(ReadOnlySpan<byte> bytes, out FrameHeader header, out int headerLength) =>
        TryParse(bytes, masked: false, out header, out headerLength);

    private static Result TryParse(ReadOnlySpan<byte> bytes, bool masked, out FrameHeader header, out int headerLength)
    {
        header = default;
        headerLength = 0;
        if (bytes.Length < 2)
            return Result.Incomplete;

        var fin = (bytes[0] & 0x80) != 0;
        if ((bytes[0] & 0x70) != 0)
            return Result.ProtocolError; // RSV bits: no extension was negotiated
        var opcode = (Opcode)(bytes[0] & 0x0F);
        if (opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
            return Result.ProtocolError;
        if (((bytes[1] & 0x80) != 0) != masked)
            return Result.ProtocolError; // clients must mask, servers must not
        long length = bytes[1] & 0x7F;
        var lengthBytes = length switch { 126 => 2, 127 => 8, _ => 0 };
        headerLength = 2 + lengthBytes + (masked ? 4 : 0);
        if (bytes.Length < headerLength)
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
        var mask = masked ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[(2 + lengthBytes)..]) : 0;
        header = new FrameHeader(fin, opcode, length, mask);
        return Result.Parsed;
    }

    /// <summary>Length of the header of a final, unmasked frame (server to client) with <paramref name="payloadLength"/> bytes.</summary>
    public static int ServerHeaderLength(long payloadLength) => payloadLength switch
    {
        < 126 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };

    /// <summary>Writes the header of a final frame with <paramref name="opcode"/>, unmasked; returns its length.</summary>
    public static int WriteServerHeader(Span<byte> destination, Opcode opcode, long payloadLength) =>
        WriteHeader(destination, opcode, payloadLength, maskBit: 0);

    /// <summary>
    /// Writes one final, masked frame (client to server): header, <paramref name="mask"/> and the masked payload.
    /// Returns its length; <paramref name="destination"/> needs <see cref="MaxLength"/> + payload bytes at most.
    /// </summary>
    public static int WriteClientFrame(Span<byte> destination, Opcode opcode, ReadOnlySpan<byte> payload, uint mask)
    {
        var header = WriteHeader(destination, opcode, payload.Length, maskBit: 0x80);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[header..], mask);
        var body = destination.Slice(header + 4, payload.Length);
        payload.CopyTo(body);
        Unmask(body, mask, offset: 0);
        return header + 4 + payload.Length;
    }

    private static int WriteHeader(Span<byte> destination, Opcode opcode, long payloadLength, byte maskBit)
    {
        destination[0] = (byte)(0x80 | (byte)opcode);
        switch (payloadLength)
        {
            case < 126:
                destination[1] = (byte)(maskBit | payloadLength);
                return 2;
            case <= ushort.MaxValue:
                destination[1] = (byte)(maskBit | 126);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
                return 4;
            default:
                destination[1] = (byte)(maskBit | 127);
                BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
                return 10;
        }
    }

    /// <summary>
    /// Masks or unmasks <paramref name="data"/> in place (XOR is its own inverse); <paramref name="offset"/> is how
    /// many payload bytes came before it.
    /// </summary>
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
