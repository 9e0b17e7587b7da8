using System.Buffers.Binary;
using System.Text;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

// The send side: queueing frames, the pump that moves them into the pipe, and the close frame that ends it.
internal sealed partial class PushWebSocket
{
    private static readonly OutboundFrame PingFrame = new([], FrameKind.Ping);

    public bool TrySend(ReadOnlySpan<OutboundFrame> frames, bool flush)
    {
        long added, queued;
        SendDecision decision;
        bool startPump, echoed;
        lock (this)
        {
            if (_close >= CloseState.Closing)
                return true; // closing: frames are discarded, this is not a slow consumer
            decision = _outbound.Enqueue(frames, Enveloped, Settings.SendQueueLimit, out added, out var messages);
            for (; messages > 0 && _echoesAwaited > 0; messages--)
                Interlocked.Decrement(ref _echoesAwaited);
            queued = _outbound.Bytes;
            startPump = decision == SendDecision.Queued && flush && StartPumpLocked(); // else the next Flush sends them, or the running pump takes them
            echoed = _close == CloseState.Failing && _echoesAwaited == 0;
        }

        if (added != 0)
            _shared.Queued(added, queued);
        if (echoed)
            RequestClose(0, "", discardQueue: false); // the failing client's last echo is queued: its close follows it
        if (startPump)
            SchedulePump();
        return decision == SendDecision.Queued;
    }

    public void Flush()
    {
        lock (this)
        {
            if (!_started || _outbound.IsEmpty || !StartPumpLocked())
                return; // nothing to send, or the running pump takes it
        }

        SchedulePump();
    }

    public void Close(ushort code, string reason) => RequestClose(code, reason, discardQueue: code != CloseCodes.GoingAway);

    /// <summary>Queues a keepalive ping (the one shared frame; not counted). Returns false when closing.</summary>
    private bool SendPing()
    {
        lock (this)
        {
            if (_close >= CloseState.Closing)
                return false;
            _outbound.EnqueuePing(PingFrame);
            if (!StartPumpLocked())
                return true;
        }

        SchedulePump();
        return true;
    }

    /// <summary>
    /// Answers a ping. Only the latest pong is kept, in one small buffer the connection reuses, and it
    /// leaves before queued data. When the previous pong has not left yet (the client pings but does not
    /// read), this one replaces it and the receive loop stops reading until it is written, so TCP slows a
    /// ping flood down instead of the server holding its pongs.
    /// </summary>
    private void SendPong(ReadOnlySpan<byte> payload)
    {
        lock (this)
        {
            if (_close >= CloseState.Closing)
                return;
            if (_outbound.SetPong(payload))
                _pongWritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!StartPumpLocked())
                return;
        }

        SchedulePump();
    }

    private void ReleasePongWaiter()
    {
        TaskCompletionSource? waiter;
        lock (this)
        {
            waiter = _pongWritten;
            _pongWritten = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>
    /// Starts the close: the close frame goes out after what is queued (dropped first when
    /// <paramref name="discardQueue"/>), and the connection is aborted if the close does not finish in time.
    /// Idempotent: the first close wins, except that a <see cref="CloseState.Failing"/> client's code wins over any.
    /// </summary>
    private void RequestClose(ushort code, string reason, bool discardQueue)
    {
        bool startPump;
        long freed = 0;
        lock (this)
        {
            if (_close >= CloseState.Closing)
                return;
            if (_close == CloseState.Failing)
            {
                code = _closeCode;
                reason = _closeReason;
                discardQueue = false; // what it sent before failing still goes out
            }

            _close = CloseState.Closing;
            _closeCode = code;
            _closeReason = reason;
            if (discardQueue)
                freed = _outbound.Drop(); // its memory goes back now, not when the socket drains
            _sendDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            startPump = StartPumpLocked(); // else the running pump sends the close frame when it is done
        }

        if (freed != 0)
            _shared.Gauge.Add(-freed);
        ReleasePongWaiter();
        if (startPump)
            SchedulePump();
        _ = AbortAfterCloseTimeoutAsync();
    }

    private async Task AbortAfterCloseTimeoutAsync()
    {
        await Task.Delay(Settings.CloseTimeout).ConfigureAwait(false);
        Abort("close handshake timed out");
    }

    private bool StartPumpLocked()
    {
        if (_pumping || !_started)
            return false;
        _pumping = true;
        return true;
    }

    // The pump starts inline on the caller's thread (the ClientActor's, for fan-out): writing into the pipe
    // and signalling a flush never blocks, and the first flush that has to wait for the socket returns
    // the thread to its caller; the rest of the pump continues on the thread pool.
    private void SchedulePump() => _ = PumpAsync();

    /// <summary>
    /// Writes everything queued into the pipe (the pending pong first, then up to
    /// <see cref="OutboundQueue.FlushThreshold"/> bytes between flushes), flushes, and repeats until the queue is
    /// empty; then, when closing, sends the close frame.
    /// </summary>
    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                bool closeFrameWritten, pongWritten;
                long freed;
                SentFrames sent;
                lock (this)
                {
                    pongWritten = _outbound.TakePong(_close >= CloseState.Closing ? null : Output); // no pong after a close frame
                    var written = _outbound.Write(Output, out freed, out sent);
                    closeFrameWritten = _close == CloseState.Closing && !_outbound.HasFrames;
                    if (closeFrameWritten)
                    {
                        WriteCloseFrame(_closeCode, _closeReason);
                        _close = CloseState.Sent;
                    }
                    else if (written == 0 && !pongWritten && _outbound.IsEmpty)
                    {
                        _outbound.Trim();
                        _pumping = false;
                        return;
                    }
                }

                if (freed != 0)
                    _shared.Gauge.Add(-freed);
                if (pongWritten)
                    ReleasePongWaiter();
                if (sent.Frames > 0 && _shared.Metrics is { Enabled: true } metrics)
                    metrics.SentToSocket(sent.Frames, sent.Bytes, sent.OldestPublished); // once per write, after the lock
                var flushed = await Output.FlushAsync().ConfigureAwait(false);
                if (closeFrameWritten || flushed.IsCompleted || flushed.IsCanceled)
                    break;
            }
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            Abort("send failed");
        }

        // The close frame is out, or the connection is gone: nothing more will be sent.
        TaskCompletionSource? sendDone;
        long dropped;
        lock (this)
        {
            _close = CloseState.Sent;
            dropped = _outbound.Drop();
            _sendDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sendDone = _sendDone;
        }

        if (dropped != 0)
            _shared.Gauge.Add(-dropped);
        ReleasePongWaiter();
        sendDone.TrySetResult();
    }

    private void WriteCloseFrame(ushort code, string reason)
    {
        var reasonLength = Math.Min(Encoding.UTF8.GetByteCount(reason), 123);
        var span = Output.GetSpan(4 + reasonLength);
        span[0] = 0x88;
        span[1] = (byte)(2 + reasonLength);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], code);
        Encoding.UTF8.GetBytes(reason.AsSpan(), span.Slice(4, reasonLength));
        Output.Advance(4 + reasonLength);
    }
}
