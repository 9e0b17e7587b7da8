using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace ActorPush.Host.Transport;

/// <summary>
/// Checks a text message's UTF-8 as its bytes arrive (RFC 6455 section 8.1: a text message that is not valid
/// UTF-8 fails the connection), so invalid text is refused in the fragment where it starts rather than when
/// the message ends. A sequence cut by a fragment or read boundary is kept for the next check, and must be a
/// valid start of a sequence already.
/// </summary>
internal static class Utf8Prefix
{
    /// <summary>
    /// Checks <paramref name="text"/> from <paramref name="checkedLength"/> on (the bytes before it are known to be
    /// whole, valid sequences). Returns the new length of whole, valid sequences (an incomplete sequence at the
    /// end is left for the next call), or -1 when the bytes cannot be the start of valid UTF-8.
    /// </summary>
    public static int Check(ReadOnlySpan<byte> text, int checkedLength)
    {
        var rest = text[checkedLength..];
        var tail = IncompleteTailLength(rest);
        var whole = rest[..^tail];
        if (!Utf8.IsValid(whole))
            return -1;
        if (tail > 0 && Rune.DecodeFromUtf8(rest[^tail..], out _, out _) != OperationStatus.NeedMoreData)
            return -1; // e.g. F4 90: no code point starts that way
        return checkedLength + whole.Length;
    }

    /// <summary>How many bytes at the end of <paramref name="bytes"/> start a sequence that needs more bytes than are there.</summary>
    private static int IncompleteTailLength(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
                continue; // a continuation byte: the lead byte is further back
            var length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return length > back ? back : 0;
        }

        return 0; // no lead byte in the last three: a complete sequence or invalid, which Utf8.IsValid tells
    }
}
