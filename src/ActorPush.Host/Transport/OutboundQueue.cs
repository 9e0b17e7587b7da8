using System.IO.Pipelines;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

/// <summary>What <see cref="OutboundQueue.Enqueue"/> decided about the frames it was given.</summary>
internal enum SendDecision : byte
{
    /// <summary>Every frame is queued.</summary>
    Queued,

    /// <summary>A frame did not fit under the send-queue limit (it and those after it are not queued): the client is a slow consumer.</summary>
    SlowConsumer,
}

/// <summary>
/// A connection's outbound queue: frames counted in bytes against the send-queue limit, and the latest pong,
/// which leaves before them. Enqueue returns the slow-consumer decision and leaves acting on it to the caller;
/// <see cref="Write"/> copies queued frames into the pipe in few large copies. A struct inside its connection
/// and guarded by the connection's lock; an idle connection holds no queue array.
/// </summary>
internal struct OutboundQueue
{
    /// <summary>How many bytes one <see cref="Write"/> moves into the pipe before the pump flushes.</summary>
    public const int FlushThreshold = 64 * 1024;

    private Queue<OutboundFrame>? _frames; // made when the first frame is queued; dropped after a burst
    private long _bytes; // the memory of the queued frames (OutboundGauge.Cost), counted in the node's gauge too
    private byte[]? _pong; // the latest pong's frame, made on the first ping: only the most recent ping is answered (RFC 6455 5.5.3)
    private bool _pongPending;
    private bool _grown;

    /// <summary>The memory of the queued frames (read without the lock: a snapshot).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public readonly bool IsEmpty => !_pongPending && (_frames?.Count ?? 0) == 0;

    public readonly bool HasFrames => (_frames?.Count ?? 0) > 0;

    /// <summary>
    /// Queues <paramref name="frames"/> in order (as their shared envelopes when <paramref name="enveloped"/>) while
    /// they fit under <paramref name="limit"/> bytes. <paramref name="added"/> is the memory they took and
    /// <paramref name="dataFrames"/> how many of those queued were messages.
    /// </summary>
    public SendDecision Enqueue(ReadOnlySpan<OutboundFrame> frames, bool enveloped, long limit, out long added, out int dataFrames)
    {
        var queue = _frames ??= new Queue<OutboundFrame>();
        added = 0;
        dataFrames = 0;
        var decision = SendDecision.Queued;
        foreach (var message in frames)
        {
            var frame = enveloped ? message.Enveloped : message;
            var cost = OutboundGauge.Cost(frame);
            if (_bytes + cost > limit)
            {
                decision = SendDecision.SlowConsumer;
                break;
            }

            _bytes += cost;
            added += cost;
            queue.Enqueue(frame);
            if (frame.Kind is FrameKind.Text or FrameKind.Binary)
                dataFrames++;
        }

        _grown |= queue.Count > 16;
        return decision;
    }

    /// <summary>Queues the keepalive ping (one shared frame, not counted against the limit).</summary>
    public void EnqueuePing(OutboundFrame ping) => (_frames ??= new Queue<OutboundFrame>()).Enqueue(ping);

    /// <summary>Makes <paramref name="payload"/>'s pong the one to send, replacing one not sent yet. Returns whether it replaced one.</summary>
    public bool SetPong(ReadOnlySpan<byte> payload)
    {
        var pong = _pong ??= new byte[2 + FrameHeader.MaxControlPayload];
        FrameHeader.WriteServerHeader(pong, Opcode.Pong, payload.Length);
        payload.CopyTo(pong.AsSpan(2));
        var replaced = _pongPending;
        _pongPending = true;
        return replaced;
    }

    /// <summary>Takes the pending pong, writing it into <paramref name="output"/> unless null. Returns whether there was one.</summary>
    public bool TakePong(PipeWriter? output)
    {
        if (!_pongPending)
            return false;
        _pongPending = false;
        if (output is null)
            return true;
        var length = 2 + (_pong![1] & 0x7F);
        _pong.AsSpan(0, length).CopyTo(output.GetSpan(length));
        output.Advance(length);
        return true;
    }

    /// <summary>
    /// Moves queued frames into <paramref name="output"/>, up to <see cref="FlushThreshold"/> bytes, copying them
    /// into the pipe's buffer directly and advancing once per buffer rather than once per frame (every Advance
    /// takes the pipe's lock). Returns the bytes written, and in <paramref name="freed"/> the queue memory they
    /// held; <paramref name="sent"/> counts the data frames among them.
    /// </summary>
    public int Write(PipeWriter output, out long freed, out SentFrames sent)
    {
        freed = 0;
        sent = default;
        var queue = _frames;
        if (queue is null)
            return 0;
        var written = 0;
        var buffer = Span<byte>.Empty;
        var filled = 0;
        while (written < FlushThreshold && queue.TryDequeue(out var frame))
        {
            if (frame.Kind != FrameKind.Ping)
            {
                var cost = OutboundGauge.Cost(frame); // data is counted; the keepalive ping is not
                _bytes -= cost;
                freed += cost;
            }

            var bytes = frame.Encoded;
            if (bytes.Length > buffer.Length - filled)
            {
                if (filled > 0)
                    output.Advance(filled);
                buffer = output.GetSpan(bytes.Length);
                filled = 0;
            }

            bytes.CopyTo(buffer[filled..]);
            filled += bytes.Length;
            written += bytes.Length;
            if (frame.Kind is FrameKind.Text or FrameKind.Binary)
                sent.Add(frame, bytes.Length);
        }

        if (filled > 0)
            output.Advance(filled);
        return written;
    }

    /// <summary>A burst is over and the queue is empty: an idle connection keeps no large array.</summary>
    public void Trim()
    {
        if (!_grown)
            return;
        _frames = null;
        _grown = false;
    }

    /// <summary>Drops everything queued (the connection is closing and discards it). Returns the memory it held.</summary>
    public long Drop()
    {
        var freed = _bytes;
        _bytes = 0;
        _frames = null;
        _pongPending = false;
        return freed;
    }
}

/// <summary>The data frames one <see cref="OutboundQueue.Write"/> moved into the pipe (for the delivery metrics).</summary>
internal struct SentFrames
{
    public int Frames;
    public long Bytes;
    public long OldestPublished; // the publish timestamp of the first

    public void Add(OutboundFrame frame, int bytes)
    {
        if (Frames++ == 0)
            OldestPublished = frame.Published;
        Bytes += bytes;
    }
}
