using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Tests;

/// <summary>
/// Test double of the <see cref="IClientConnection"/> seam: a byte-counted outbound queue with a limit,
/// like the Host's connection, but nothing drains it unless a spec calls <see cref="Drain"/>: a client
/// that never reads. Records every offer, every queued frame and every close; safe to read from the
/// test thread while the actor writes.
/// </summary>
internal sealed class BoundedTestConnection(long limitBytes) : IClientConnection
{
    private readonly object _gate = new();
    private readonly Queue<OutboundFrame> _queue = new();
    private readonly List<OutboundFrame> _accepted = [];
    private readonly List<(ushort Code, string Reason)> _closes = [];
    private long _queuedBytes;
    private int _offers;
    private int _flushes;
    private int _joined;
    private int _acceptedAtLastFlush;
    private Exception? _failNextSend;
    private SendHold? _holdNextSend;

    /// <summary>Every frame offered to TrySend, accepted or not (also after close).</summary>
    public int Offers
    {
        get { lock (_gate) return _offers; }
    }

    /// <summary>Frames accepted into the queue, in order (drained ones included).</summary>
    public IReadOnlyList<OutboundFrame> Accepted
    {
        get { lock (_gate) return [.. _accepted]; }
    }

    /// <summary>Every Close call, in order (the transport honours only the first).</summary>
    public IReadOnlyList<(ushort Code, string Reason)> Closes
    {
        get { lock (_gate) return [.. _closes]; }
    }

    public long QueuedBytes
    {
        get { lock (_gate) return _queuedBytes; }
    }

    /// <summary>The next TrySend throws <paramref name="error"/> (a transport fault), once.</summary>
    public void FailNextSend(Exception error)
    {
        lock (_gate) _failNextSend = error;
    }

    /// <summary>The send loop writes one frame to the wire: frees its bytes. Null when the queue is empty.</summary>
    public OutboundFrame? Drain()
    {
        lock (_gate)
        {
            if (!_queue.TryDequeue(out var frame))
                return null;
            _queuedBytes -= frame.Size;
            return frame;
        }
    }

    /// <summary>
    /// The next TrySend waits (on the actor's thread, outside the lock) until the hold is released: while it
    /// waits, whatever a spec tells the actor stays in its mailbox.
    /// </summary>
    public SendHold HoldNextSend() => _holdNextSend = new SendHold();

    public bool TrySend(ReadOnlySpan<OutboundFrame> frames, bool flush)
    {
        if (Interlocked.Exchange(ref _holdNextSend, null) is { } hold)
        {
            hold.Entered.Set();
            hold.Released.Wait(TimeSpan.FromSeconds(30));
        }

        lock (_gate)
        {
            foreach (var frame in frames)
            {
                if (!Offer(frame))
                    return false;
            }

            if (flush)
                FlushLocked();
            return true;
        }
    }

    private bool Offer(OutboundFrame frame)
    {
        _offers++;
        if (_failNextSend is { } error)
        {
            _failNextSend = null;
            throw error;
        }

        // The seam's contract: a closing connection accepts and discards.
        if (_closes.Count > 0)
            return true;
        if (_queuedBytes + frame.Size > limitBytes)
            return false;

        _queuedBytes += frame.Size;
        _queue.Enqueue(frame);
        _accepted.Add(frame);
        return true;
    }

    /// <summary>How often the actor asked for a flush.</summary>
    public int Flushes
    {
        get
        {
            lock (_gate)
                return _flushes;
        }
    }

    /// <summary>How many frames had been accepted when the last flush came.</summary>
    public int AcceptedAtLastFlush
    {
        get
        {
            lock (_gate)
                return _acceptedAtLastFlush;
        }
    }

    public void Flush()
    {
        lock (_gate)
            FlushLocked();
    }

    private void FlushLocked()
    {
        _flushes++;
        _acceptedAtLastFlush = _accepted.Count;
    }

    /// <summary>Whether the actor reported that it joined the broadcast.</summary>
    public bool HasJoined => Volatile.Read(ref _joined) != 0;

    public void Joined() => Interlocked.Exchange(ref _joined, 1);

    public void Close(ushort code, string reason)
    {
        lock (_gate) _closes.Add((code, reason));
    }
}

/// <summary>A TrySend held by <see cref="BoundedTestConnection.HoldNextSend"/>.</summary>
internal sealed class SendHold
{
    /// <summary>Set once the actor is inside the held TrySend.</summary>
    public ManualResetEventSlim Entered { get; } = new();

    /// <summary>Set by the spec to let the held TrySend go on.</summary>
    public ManualResetEventSlim Released { get; } = new();
}
