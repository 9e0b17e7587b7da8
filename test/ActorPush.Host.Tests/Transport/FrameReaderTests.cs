using System.Buffers;
using System.Text;
using ActorPush.Actors.Transport;
using ActorPush.Host.Tests.Protocol;
using ActorPush.Host.Transport;
using static ActorPush.Host.Tests.Protocol.RawWebSocketClient;

namespace ActorPush.Host.Tests.Transport;

/// <summary>
/// The receive side's frame reader on its own, fed bytes the test suite's independent raw client framed: whole,
/// and cut into every size of read, it must report the same messages, pings, closes and errors.
/// </summary>
public sealed class FrameReaderTests
{
    private const long Max = 1024;

    public static TheoryData<int> ReadSizes => new() { 1, 2, 3, 7, 64, 100_000 };

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Messages_pings_and_the_close_come_out_in_order_however_the_bytes_are_cut(int readSize)
    {
        byte[] stream =
        [
            .. TextFrame("hello"),
            .. Frame(Op.Binary, [1, 2, 3]),
            .. TextFrame("frag", fin: false),
            .. Frame(Op.Ping, "p1"u8),
            .. Frame(Op.Continuation, "men"u8, fin: false),
            .. Frame(Op.Pong, "ignored"u8),
            .. Frame(Op.Continuation, "ted"u8),
            .. TextFrame(""),
            .. CloseFrame(1000, "bye"u8),
        ];

        Assert.Equal(
            ["Message Text hello", "Message Binary 010203", "Ping p1", "Message Text fragmented", "Message Text ", "Close"],
            Events(stream, readSize));
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void A_bad_header_breaks_the_stream_and_nothing_after_it_is_read(int readSize)
    {
        byte[] stream = [.. TextFrame("before"), .. Frame(Op.Text, "x"u8, rsv: 4), .. TextFrame("after"), .. CloseFrame(1000)];

        var reader = new FrameReader();
        Assert.Equal(["Message Text before", "Error 1002 BadHeader"], Events(stream, readSize, ref reader));
        Assert.Equal(ReaderState.Broken, reader.State);
    }

    public static TheoryData<string, byte[], string> FrameErrors => new()
    {
        { "continuation without a message", Frame(Op.Continuation, "x"u8), "Error 1002 ContinuationWithoutMessage" },
        { "text inside a fragmented message", [.. TextFrame("a", fin: false), .. TextFrame("b")], "Error 1002 MessageInsideMessage" },
        { "declared length over the limit", Frame(Op.Binary, new byte[Max + 1]), "Error 1009 TooBig" },
        { "fragments summing over the limit", [.. Frame(Op.Binary, new byte[Max], fin: false), .. Frame(Op.Continuation, [0])], "Error 1009 TooBig" },
        { "invalid UTF-8 in an unfinished fragment", Frame(Op.Text, [0x61, 0xF4, 0x90, 0x80, 0x80], fin: false), "Error 1007 InvalidUtf8" },
        { "text ending inside a sequence", Frame(Op.Text, [0x61, 0xE2, 0x82]), "Error 1007 InvalidUtf8" },
    };

    [Theory]
    [MemberData(nameof(FrameErrors))]
    public void A_frame_error_is_reported_once_and_then_only_the_close_counts(string why, byte[] bad, string error)
    {
        _ = why;
        byte[] stream = [.. bad, .. TextFrame("ignored"), .. Frame(Op.Ping, "ignored"u8), .. CloseFrame(1002)];

        foreach (var readSize in new[] { 1, 5, 100_000 })
        {
            var reader = new FrameReader();
            Assert.Equal([error, "Close"], Events(stream, readSize, ref reader));
            Assert.Equal(ReaderState.Header, reader.State);
        }
    }

    [Fact]
    public void Invalid_UTF8_is_reported_in_the_read_where_it_starts_before_the_frame_ends()
    {
        var frame = Frame(Op.Text, [0x61, 0x62, 0xF4, 0x90, .. new byte[500]]);
        var reader = new FrameReader();
        var head = new ReadOnlySequence<byte>(frame, 0, frame.Length - 500); // the header and the first four payload bytes

        Assert.Equal(FrameEvent.Error, reader.Read(ref head, Max));
        Assert.Equal(FrameError.InvalidUtf8, reader.Error);
        Assert.Equal(ReaderState.Skip, reader.State); // the rest of the frame is dropped unread
    }

    [Fact]
    public void Once_told_to_ignore_only_the_close_is_reported()
    {
        byte[] stream = [.. TextFrame("late"), .. Frame(Op.Ping, "late"u8), .. CloseFrame(1000)];
        var reader = new FrameReader();
        reader.IgnoreUntilClose();

        Assert.Equal(["Close"], Events(stream, 3, ref reader));
    }

    [Fact]
    public void The_close_payload_is_reported_as_sent()
    {
        var reader = new FrameReader();
        var buffer = new ReadOnlySequence<byte>(CloseFrame(4001, "done"u8));

        Assert.Equal(FrameEvent.Close, reader.Read(ref buffer, Max));
        Assert.Equal([0x0F, 0xA1, .. "done"u8], reader.Payload.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    private static List<string> Events(byte[] stream, int readSize)
    {
        var reader = new FrameReader();
        return Events(stream, readSize, ref reader);
    }

    /// <summary>Feeds <paramref name="stream"/> as a pipe would: each read adds up to <paramref name="readSize"/> bytes to what was left unconsumed.</summary>
    private static List<string> Events(byte[] stream, int readSize, ref FrameReader reader)
    {
        var events = new List<string>();
        var consumed = 0;
        for (var available = Math.Min(readSize, stream.Length); ; available = Math.Min(available + readSize, stream.Length))
        {
            var buffer = new ReadOnlySequence<byte>(stream, consumed, available - consumed);
            FrameEvent found;
            while ((found = reader.Read(ref buffer, Max)) != FrameEvent.NeedMore)
                events.Add(Describe(found, ref reader));
            consumed = available - (int)buffer.Length;
            if (available == stream.Length)
                break;
        }

        reader.ReturnBuffers();
        return events;
    }

    private static string Describe(FrameEvent found, ref FrameReader reader) => found switch
    {
        FrameEvent.Message => $"Message {reader.MessageKind} " + (reader.MessageKind == FrameKind.Text
            ? Encoding.UTF8.GetString(reader.Payload)
            : Convert.ToHexString(reader.Payload)),
        FrameEvent.Ping => "Ping " + Encoding.UTF8.GetString(reader.Payload),
        FrameEvent.Error => $"Error {reader.ErrorCode} {reader.Error}",
        _ => found.ToString(),
    };
}
