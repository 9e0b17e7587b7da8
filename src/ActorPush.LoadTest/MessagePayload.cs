using System.Diagnostics;

namespace ActorPush.LoadTest;

/// <summary>
/// The fixed-size ASCII payload every published message carries:
/// <c>SSSSSS QQQQQQQQQQ TTTTTTTTTTTTTTTTTTT </c> (sender id, sequence number, Stopwatch timestamp),
/// padded with <c>x</c> to the requested size. ASCII keeps it a valid text frame for every server.
/// </summary>
public static class MessagePayload
{
    public const int SenderDigits = 6;
    public const int SeqDigits = 10;
    public const int TimestampDigits = 19;
    private const int SeqOffset = SenderDigits + 1;
    private const int TimestampOffset = SeqOffset + SeqDigits + 1;
    public const int MinimumSize = TimestampOffset + TimestampDigits + 1;

    /// <summary>Writes the payload for (sender, seq, timestamp) into <paramref name="target"/>; its length is the payload size.</summary>
    public static void Write(Span<byte> target, int sender, long seq, long timestamp)
    {
        WriteDigits(target.Slice(0, SenderDigits), sender);
        target[SenderDigits] = (byte)' ';
        WriteDigits(target.Slice(SeqOffset, SeqDigits), seq);
        target[SeqOffset + SeqDigits] = (byte)' ';
        WriteDigits(target.Slice(TimestampOffset, TimestampDigits), timestamp);
        target[TimestampOffset + TimestampDigits] = (byte)' ';
        target.Slice(MinimumSize).Fill((byte)'x');
    }

    /// <summary>Parses a payload written by <see cref="Write"/>; false for anything else.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out int sender, out long seq, out long timestamp)
    {
        sender = 0;
        seq = 0;
        timestamp = 0;
        if (payload.Length < MinimumSize
            || payload[SenderDigits] != (byte)' '
            || payload[SeqOffset + SeqDigits] != (byte)' '
            || payload[TimestampOffset + TimestampDigits] != (byte)' ')
        {
            return false;
        }

        if (!TryReadDigits(payload.Slice(0, SenderDigits), out var senderValue)
            || !TryReadDigits(payload.Slice(SeqOffset, SeqDigits), out seq)
            || !TryReadDigits(payload.Slice(TimestampOffset, TimestampDigits), out timestamp))
        {
            return false;
        }

        sender = (int)senderValue;
        return true;
    }

    public static long Now() => Stopwatch.GetTimestamp();

    private static void WriteDigits(Span<byte> target, long value)
    {
        for (var i = target.Length - 1; i >= 0; i--)
        {
            target[i] = (byte)('0' + (int)(value % 10));
            value /= 10;
        }
    }

    private static bool TryReadDigits(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        foreach (var b in digits)
        {
            var d = b - (byte)'0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = value * 10 + d;
        }

        return true;
    }
}
