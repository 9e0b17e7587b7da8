using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using System.Text.Unicode;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Sessions;
using Microsoft.AspNetCore.Connections;

namespace ActorPush.Host.Transport;

/// <summary>
/// One WebSocket connection, framed by hand (RFC 6455) directly on Kestrel's transport pipes: no
/// HTTP request state survives the upgrade, and an idle connection holds no buffer (its pending pipe
/// read holds none). The receive loop parses client frames and hands whole messages to the
/// <see cref="ClientSession"/>; the send loop drains a bounded queue counted in bytes, copies each
/// frame's shared, pre-encoded bytes into the pipe and flushes once per batch, so queued frames
/// leave in one socket write. Whichever loop ends first starts the close; a close that does not
/// finish within <c>actorpush.client.close-timeout</c> aborts the connection.
/// </summary>
internal sealed class PushWebSocket : IClientConnection
{
    private const int FlushThreshold = 64 * 1024;
    private const int DrainAllowance = 64 * 1024;

    // After a frame header that cannot be parsed, what the client still sends is discarded until it has been
    // quiet this long (its close reply came) or it closed, for at most LingerMax; then TCP is closed.
    private static readonly TimeSpan LingerQuiet = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LingerMax = TimeSpan.FromSeconds(1);

    // A client failing the protocol right after a message: the close waits at most this long for that
    // message's echo to come back through the fan-out (see Fail).
    private static readonly TimeSpan EchoWait = TimeSpan.FromSeconds(1);
    private static readonly OutboundFrame PingFrame = new([], FrameKind.Ping);

    private readonly ConnectionContext _connection;
    private readonly TransportContext _shared;

    // Outbound side, guarded by locking this object (internal; nothing else locks it: a separate lock object
    // would cost every connection another allocation). There is no send loop while nothing is queued: the
    // first frame queued starts a pump, which writes every queued frame into the pipe, flushes, and
    // ends when the queue is empty. An idle connection holds no task for sending.
    private Queue<OutboundFrame>? _outbound; // made when the first frame is queued; dropped after a burst
    private long _queuedBytes; // the memory of the queued frames (OutboundGauge.Cost), counted in the node's gauge too
    private byte[]? _pong; // the latest pong's frame, made on the first ping: only the most recent ping is answered (RFC 6455 5.5.3)
    private bool _pongPending;
    private TaskCompletionSource? _pongWritten; // a receive loop paused until the pending pong is in the pipe
    private bool _queueGrown;
    private bool _pumping;
    private bool _closing;
    private bool _failPending; // the receive side failed; the close waits for the echoes in _echoesAwaited (see Fail)
    private int _echoesAwaited; // messages this client published whose echo has not been queued yet (Interlocked)
    private bool _closeSent;
    private bool _discardQueue;
    private bool _aborted; // torn down before any close began (metrics: disconnects by code "abort")
    private ushort _closeCode;
    private string _closeReason = "";
    private TaskCompletionSource? _sendDone;
    private TaskCompletionSource? _joined;
    private bool _started;
    private volatile bool _finished;

    private ClientSession? _session;

    // Keepalive (see ConnectionTracker): when we last read anything, and when our unanswered ping left.
    private long _lastReceived = Environment.TickCount64;
    private long _pingSentAt;

    // Receive state: the frame being read and the message being assembled.
    private FrameHeader _frame;
    private bool _inFrame;
    private bool _discardFrame;
    private bool _unparseable;
    private bool _receivePaused; // backpressure: the receive loop stopped after a message until the fan-out catches up
    private long _frameRemaining;
    private long _frameOffset;
    private Opcode _messageOpcode;
    private byte[]? _message;
    private int _messageLength;
    private int _utf8Checked; // a text message's bytes checked as complete UTF-8 sequences so far
    private byte[]? _control;
    private int _controlLength;

    public PushWebSocket(ConnectionContext connection, TransportContext shared)
    {
        _connection = connection;
        _shared = shared;
    }

    private ActorPushSettings Settings => _shared.Settings;

    /// <summary>The close code this side sent (or echoed); 0 while open.</summary>
    public ushort CloseCode
    {
        get
        {
            lock (this)
                return _closing ? _closeCode : (ushort)0;
        }
    }

    private int QueuedFrames => _outbound?.Count ?? 0; // under the lock

    private bool HasQueued => _pongPending || QueuedFrames > 0; // under the lock

    /// <summary>The memory of the frames queued for sending (read without the lock: a snapshot).</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    /// <summary>The reason text of the close this side sent (or echoed); empty while open.</summary>
    public string CloseReason
    {
        get
        {
            lock (this)
                return _closing ? _closeReason : "";
        }
    }

    /// <summary>Whether the connection was torn down before any close handshake began.</summary>
    public bool Aborted => Volatile.Read(ref _aborted);

    private bool IsClosing
    {
        get
        {
            lock (this)
                return _closing || _failPending;
        }
    }

    public ConnectionContext Connection => _connection;

    // The transport's pipes, looked up on use rather than held: two fewer fields on every connection.
    private PipeReader Input => _connection.Transport.Input;

    private PipeWriter Output => _connection.Transport.Output;

    /// <summary>Where the <see cref="ConnectionTracker"/> keeps this socket; -1 while untracked. Guarded by the tracker.</summary>
    public int TrackerIndex { get; set; } = -1;

    /// <summary>The user this connection belongs to, once its session is open.</summary>
    public string? UserId { get; private set; }

    public ClientSession? Session => _session;

    /// <summary>The client asked for actorpush.v1: every message goes out as its shared envelope (<see cref="OutboundFrame.Enveloped"/>).</summary>
    public bool Enveloped { get; set; }

    /// <summary>
    /// Opens the connection's session with <paramref name="start"/> (which starts its ClientActor) and
    /// returns a task that completes once the actor joined the broadcast (see <see cref="Joined"/>).
    /// </summary>
    public Task OpenSession(string userId, Func<IClientConnection, ClientSession> start)
    {
        UserId = userId;
        var joined = _joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _session = start(this);
        return joined.Task;
    }

    public bool TrySend(ReadOnlySpan<OutboundFrame> frames, bool flush)
    {
        long added = 0, queued;
        var fits = true;
        bool startPump, echoed;
        lock (this)
        {
            if (_closing)
                return true; // closing: frames are discarded, this is not a slow consumer
            var outbound = _outbound ??= new Queue<OutboundFrame>();
            var limit = Settings.SendQueueLimit;
            foreach (var message in frames)
            {
                var frame = Enveloped ? message.Enveloped : message;
                var cost = OutboundGauge.Cost(frame);
                if (_queuedBytes + cost > limit)
                {
                    fits = false;
                    break;
                }

                _queuedBytes += cost;
                added += cost;
                outbound.Enqueue(frame);
                if (_echoesAwaited > 0 && frame.Kind is FrameKind.Text or FrameKind.Binary)
                    Interlocked.Decrement(ref _echoesAwaited);
            }

            queued = _queuedBytes;
            _queueGrown |= outbound.Count > 16;
            startPump = fits && flush && StartPumpLocked(); // else the next Flush sends them, or the running pump takes them
            echoed = _failPending && _echoesAwaited == 0;
        }

        if (added != 0)
            _shared.Queued(added, queued);
        if (echoed)
            RequestClose(0, "", discardQueue: false); // the failed client's last echo is queued: the pending close follows it
        if (startPump)
            SchedulePump();
        return fits;
    }

    public void Joined() => _joined?.TrySetResult();

    /// <summary>
    /// The 101 response is out: frames queued meanwhile may go now. Until then nothing is written, so no
    /// frame can overtake the handshake response.
    /// </summary>
    public void Start()
    {
        _joined = null; // an open connection holds no completion source
        lock (this)
        {
            _started = true;
            if ((!HasQueued && !_closing) || !StartPumpLocked())
                return;
        }

        SchedulePump();
    }

    public void Flush()
    {
        lock (this)
        {
            if (!_started || !HasQueued || !StartPumpLocked())
                return; // nothing to send, or the running pump takes it
        }

        SchedulePump();
    }

    public void Close(ushort code, string reason) => RequestClose(code, reason, discardQueue: code != CloseCodes.GoingAway);

    /// <summary>Tears the TCP connection down at once.</summary>
    public void Abort(string why)
    {
        if (_finished)
            return;
        lock (this)
            _aborted |= !_closing;
        _connection.Abort(new ConnectionAbortedException(why));
    }

    /// <summary>Called by the <see cref="ConnectionTracker"/> every sweep: pings an idle connection, aborts one that does not answer.</summary>
    public void KeepAlive(long now, long intervalMs, long timeoutMs)
    {
        if (_receivePaused)
            return; // not reading for backpressure: its pongs wait unread (the receive loop refreshes the time when it resumes)
        var lastReceived = Volatile.Read(ref _lastReceived);
        var pingSentAt = _pingSentAt;
        if (pingSentAt != 0)
        {
            if (lastReceived >= pingSentAt)
                _pingSentAt = pingSentAt = 0;
            else if (now - pingSentAt >= timeoutMs)
            {
                Abort(CloseCodes.Reasons.KeepAliveTimeout);
                return;
            }
        }

        if (pingSentAt == 0 && now - lastReceived >= intervalMs && SendPing())
        {
            _pingSentAt = now;
            if (Enveloped)
                TrySend([Envelopes.Ping], flush: true); // browsers never show pings to JavaScript: v1 clients see this one
        }
    }

    /// <summary>
    /// The whole life of a connection: <paramref name="lifecycle"/> opens it (handshake, session, 101)
    /// or hands it elsewhere; then the receive loop runs until the connection is closed or aborted, the
    /// close handshake is finished, and <paramref name="lifecycle"/> is told it ended. Never throws for a
    /// vanished peer. One method, so an open connection holds exactly one async state machine.
    /// </summary>
    public async Task RunAsync(IConnectionLifecycle lifecycle)
    {
        if (!await lifecycle.OpenAsync(this).ConfigureAwait(false))
            return;

        try
        {
            try
            {
                // Once closing, what the client still sends is read only to find its close reply, and only
                // up to this many bytes: a client that floods instead gets TCP backpressure, then the abort.
                long drainBudget = Settings.MaxMessageSize + DrainAllowance;
                var reading = true;
                while (reading)
                {
                    var result = await Input.ReadAsync().ConfigureAwait(false);
                    Volatile.Write(ref _lastReceived, Environment.TickCount64);
                    var buffer = result.Buffer;
                    var stop = Process(ref buffer);
                    if (IsClosing)
                        drainBudget -= result.Buffer.Length - buffer.Length;
                    var paused = _receivePaused || _pongWritten is not null;

                    // Paused: what was not parsed yet stays unexamined, so the next read returns it at once.
                    Input.AdvanceTo(buffer.Start, paused ? buffer.Start : buffer.End);
                    reading = !(stop || drainBudget < 0 || ((result.IsCompleted || result.IsCanceled) && !paused));
                    if (paused)
                        await ResumeAsync().ConfigureAwait(false);
                }

                if (_unparseable)
                    await LingerAsync(drainBudget).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionEnd(e))
            {
                Abort("receive failed");
            }

            // The receive side is done (the peer's close frame, EOF or an abort): finish the close.
            RequestClose(CloseCodes.Normal, "", discardQueue: true); // no-op when a close is already under way
            Task sendDone;
            lock (this)
                sendDone = _sendDone!.Task;
            await sendDone.ConfigureAwait(false); // our close frame went out (or the connection died)
            _finished = true;
            ReturnBuffers();
        }
        finally
        {
            lifecycle.Closed(this); // whatever ended the connection
        }

        // Kestrel's pipes complete synchronously: no await here, so the state machine holds no awaiter for it.
        Output.Complete();
        Input.Complete();
    }

    /// <summary>Queues a keepalive ping (the one shared frame; not counted). Returns false when closing.</summary>
    private bool SendPing()
    {
        lock (this)
        {
            if (_closing)
                return false;
            (_outbound ??= new Queue<OutboundFrame>()).Enqueue(PingFrame);
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
            if (_closing)
                return;
            var pong = _pong ??= new byte[2 + FrameHeader.MaxControlPayload];
            FrameHeader.WriteServerHeader(pong, Opcode.Pong, payload.Length);
            payload.CopyTo(pong.AsSpan(2));
            if (_pongPending)
                _pongWritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pongPending = true;
            if (!StartPumpLocked())
                return;
        }

        SchedulePump();
    }

    /// <summary>The receive loop paused after a message: waits (never blocking a thread) until the fan-out caught up or the pending pong left.</summary>
    private async Task ResumeAsync()
    {
        if (_receivePaused)
        {
            await _shared.Pressure!.WaitAsync().ConfigureAwait(false);
            _receivePaused = false;
        }

        Task? pongWritten;
        lock (this)
            pongWritten = _closing ? null : _pongWritten?.Task;
        if (pongWritten is not null)
            await pongWritten.ConfigureAwait(false);
        Volatile.Write(ref _lastReceived, Environment.TickCount64); // it was alive; its pongs were waiting unread
    }

    /// <summary>
    /// After a frame header that cannot be parsed, frame boundaries are lost and the client's close reply
    /// cannot be recognised (RFC 6455 section 7.1.7). Once the close frame is out, what the client still sends
    /// is discarded until it has been quiet for <see cref="LingerQuiet"/> (its close reply came) or it closed,
    /// at most <see cref="LingerMax"/>; then the caller closes TCP. Closing with unread input at once would turn
    /// the close into a reset, which can destroy the close frame still in flight.
    /// </summary>
    private async Task LingerAsync(long drainBudget)
    {
        Task sendDone;
        lock (this)
            sendDone = _sendDone!.Task;
        await sendDone.ConfigureAwait(false);
        var until = Environment.TickCount64 + (long)Math.Min(Settings.CloseTimeout.TotalMilliseconds, LingerMax.TotalMilliseconds);
        using var quiet = new CancellationTokenSource();
        try
        {
            while (drainBudget >= 0 && until - Environment.TickCount64 is var left && left > 0)
            {
                quiet.CancelAfter(TimeSpan.FromMilliseconds(Math.Min(left, LingerQuiet.TotalMilliseconds)));
                var result = await Input.ReadAsync(quiet.Token).ConfigureAwait(false);
                drainBudget -= result.Buffer.Length;
                Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                    return;
            }
        }
        catch (OperationCanceledException) when (quiet.IsCancellationRequested)
        {
            // Quiet for long enough: the close reply is in.
        }
    }

    /// <summary>Drops what is queued (the connection is closing and discards it) and gives its bytes back to the node's gauge. Under the lock.</summary>
    private long DropQueueLocked()
    {
        var freed = _queuedBytes;
        _queuedBytes = 0;
        _outbound = null;
        _pongPending = false;
        return freed;
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

    private void RequestClose(ushort code, string reason, bool discardQueue)
    {
        bool startPump;
        long freed = 0;
        lock (this)
        {
            if (_closing)
                return;
            if (_failPending)
            {
                // The receive side failed first: its code wins, and what is queued still goes out before it.
                _failPending = false;
                code = _closeCode;
                reason = _closeReason;
                discardQueue = false;
            }

            _closing = true;
            _closeCode = code;
            _closeReason = reason;
            _discardQueue = discardQueue;
            if (discardQueue)
                freed = DropQueueLocked(); // its memory goes back now, not when the socket drains
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

    private async Task CloseAfterEchoWaitAsync()
    {
        await Task.Delay(Settings.CloseTimeout < EchoWait ? Settings.CloseTimeout : EchoWait).ConfigureAwait(false);
        RequestClose(0, "", discardQueue: false); // no-op when the echoes came (or anything else closed it) first
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
    /// Writes everything queued into the pipe (up to <see cref="FlushThreshold"/> bytes between flushes),
    /// flushes, and repeats until the queue is empty; then, when closing, sends the close frame.
    /// </summary>
    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                bool closeFrameWritten;
                long freed;
                int delivered;
                long deliveredBytes, oldestPublished;
                bool pongWritten;
                lock (this)
                {
                    pongWritten = WritePongLocked();
                    var written = WriteQueuedLocked(out freed, out delivered, out deliveredBytes, out oldestPublished);

                    closeFrameWritten = _closing && !_closeSent && QueuedFrames == 0;
                    if (closeFrameWritten)
                    {
                        WriteCloseFrame(_closeCode, _closeReason);
                        _closeSent = true;
                    }
                    else if (written == 0 && !pongWritten && !HasQueued)
                    {
                        if (_queueGrown)
                        {
                            _outbound = null; // a burst is over: an idle connection keeps no large array
                            _queueGrown = false;
                        }

                        _pumping = false;
                        return;
                    }
                }

                if (freed != 0)
                    _shared.Gauge.Add(-freed);
                if (pongWritten)
                    ReleasePongWaiter();
                if (delivered > 0 && _session?.Metrics is { Enabled: true } metrics)
                    metrics.SentToSocket(delivered, deliveredBytes, oldestPublished); // once per write, after the lock
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
            _closeSent = true;
            _closing = true;
            dropped = DropQueueLocked();
            _sendDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sendDone = _sendDone;
        }

        if (dropped != 0)
            _shared.Gauge.Add(-dropped);
        ReleasePongWaiter();
        sendDone.TrySetResult();
    }

    /// <summary>
    /// Moves queued frames into the pipe, up to <see cref="FlushThreshold"/> bytes, copying them into the
    /// pipe's buffer directly and advancing once per buffer rather than once per frame (every Advance
    /// takes the pipe's lock). Returns the bytes written, and in <paramref name="freed"/> the queue memory
    /// they held; <paramref name="dataFrames"/> and <paramref name="dataBytes"/> count the data frames among them,
    /// <paramref name="oldestPublished"/> is the publish timestamp of the first. Called under the lock.
    /// </summary>
    private int WriteQueuedLocked(out long freed, out int dataFrames, out long dataBytes, out long oldestPublished)
    {
        freed = 0;
        dataFrames = 0;
        dataBytes = 0;
        oldestPublished = 0;
        var outbound = _outbound;
        if (outbound is null)
            return 0;
        var output = Output;
        var written = 0;
        var buffer = Span<byte>.Empty;
        var filled = 0;
        while (written < FlushThreshold && outbound.TryDequeue(out var frame))
        {
            var isData = frame.Kind is FrameKind.Text or FrameKind.Binary;
            if (frame.Kind != FrameKind.Ping)
            {
                var cost = OutboundGauge.Cost(frame); // data is counted; the keepalive ping is not
                _queuedBytes -= cost;
                freed += cost;
            }

            if (_discardQueue)
                continue;

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
            if (isData)
            {
                if (dataFrames++ == 0)
                    oldestPublished = frame.Published;
                dataBytes += bytes.Length;
            }
        }

        if (filled > 0)
            output.Advance(filled);
        return written;
    }

    /// <summary>Writes the pending pong into the pipe, ahead of queued data. Returns whether there was one. Under the lock.</summary>
    private bool WritePongLocked()
    {
        if (!_pongPending)
            return false;
        _pongPending = false;
        if (_closing)
            return true; // no pong after a close frame
        var length = 2 + (_pong![1] & 0x7F);
        _pong.AsSpan(0, length).CopyTo(Output.GetSpan(length));
        Output.Advance(length);
        return true;
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

    /// <summary>
    /// Consumes whole and partial frames from <paramref name="buffer"/>. Returns true when reading frames should
    /// stop: the peer's close frame was read, or the stream can no longer be parsed (then the rest is consumed).
    /// </summary>
    private bool Process(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (!_inFrame)
            {
                var parsed = FrameHeader.TryParse(buffer, out var header, out var headerLength);
                if (parsed == FrameHeader.Result.Incomplete)
                    return false;
                if (parsed == FrameHeader.Result.ProtocolError)
                {
                    // Frame boundaries are lost: send 1002, then LingerAsync discards what follows and TCP closes.
                    Fail(CloseCodes.ProtocolError, "protocol error");
                    _unparseable = true;
                    buffer = buffer.Slice(buffer.End);
                    return true;
                }

                buffer = buffer.Slice(headerLength);
                StartFrame(header);
            }

            var take = (int)Math.Min(_frameRemaining, buffer.Length);
            if (take > 0)
            {
                CopyPayload(buffer.Slice(0, take));
                buffer = buffer.Slice(take);
                _frameRemaining -= take;
                _frameOffset += take;
            }

            if (_frameRemaining > 0)
                return false;
            _inFrame = false;
            if (EndFrame())
                return true;
            if (_receivePaused || _pongWritten is not null)
                return false; // backpressure: the rest of the buffer waits
        }
    }

    private void StartFrame(FrameHeader header)
    {
        _frame = header;
        _inFrame = true;
        _frameRemaining = header.PayloadLength;
        _frameOffset = 0;
        _discardFrame = header.Opcode != Opcode.Close && IsClosing;
        if (_discardFrame)
            return;

        if (header.IsControl)
        {
            _control ??= ArrayPool<byte>.Shared.Rent(FrameHeader.MaxControlPayload);
            _controlLength = 0;
            return;
        }

        var continuation = header.Opcode == Opcode.Continuation;
        if (continuation != (_messageOpcode != 0))
        {
            Fail(CloseCodes.ProtocolError, continuation ? "continuation without a message" : "new message inside a fragmented one");
            return;
        }

        if (header.PayloadLength > Settings.MaxMessageSize - _messageLength) // no overflow for huge declared lengths
        {
            Fail(CloseCodes.MessageTooBig, CloseCodes.Reasons.MessageTooBig);
            return;
        }

        if (!continuation)
            _messageOpcode = header.Opcode;
    }

    private void CopyPayload(ReadOnlySequence<byte> payload)
    {
        if (_discardFrame)
            return;
        Span<byte> destination;
        if (_frame.IsControl)
        {
            destination = _control.AsSpan(_controlLength, (int)payload.Length);
            _controlLength += (int)payload.Length;
        }
        else
        {
            EnsureMessageCapacity(_messageLength + (int)payload.Length); // grows with the bytes that arrived, not the declared length
            destination = _message.AsSpan(_messageLength, (int)payload.Length);
            _messageLength += (int)payload.Length;
        }

        payload.CopyTo(destination);
        FrameHeader.Unmask(destination, _frame.Mask, _frameOffset);
        if (_messageOpcode == Opcode.Text && !_frame.IsControl)
        {
            // Checked as it arrives, so invalid text fails in the fragment (or read) where it starts.
            _utf8Checked = Utf8Prefix.Check(_message.AsSpan(0, _messageLength), _utf8Checked);
            if (_utf8Checked < 0)
                Fail(CloseCodes.InvalidPayload, CloseCodes.Reasons.InvalidPayload);
        }
    }

    /// <summary>A frame was read completely. Returns true when it was the peer's close frame.</summary>
    private bool EndFrame()
    {
        if (_frame.IsControl)
            return EndControlFrame();
        if (_discardFrame)
            return false;

        if (!_frame.Fin)
            return false;

        var message = _message.AsSpan(0, _messageLength);
        var kind = _messageOpcode == Opcode.Text ? FrameKind.Text : FrameKind.Binary;
        var incomplete = _utf8Checked != _messageLength; // a text message ending inside a UTF-8 sequence
        _messageOpcode = 0;
        _messageLength = 0;
        _utf8Checked = 0;
        if (kind == FrameKind.Text && incomplete)
        {
            Fail(CloseCodes.InvalidPayload, CloseCodes.Reasons.InvalidPayload);
            return false;
        }

        var closeCode = _session!.OnMessage(message, kind); // the node's fan-out entry makes the one copy its recipients share
        ReturnMessageBuffer();
        if (closeCode == 0 && _session.EchoesToSender)
            Interlocked.Increment(ref _echoesAwaited);
        if (closeCode != 0)
            Fail(closeCode, closeCode == CloseCodes.RateLimited ? CloseCodes.Reasons.RateLimited : "");
        else if (_shared.Pressure is { IsBehind: true })
            _receivePaused = true; // the fan-out is behind: read no more until it catches up
        return false;
    }

    private bool EndControlFrame()
    {
        var payload = _discardFrame ? ReadOnlySpan<byte>.Empty : _control.AsSpan(0, _controlLength);
        var peerClosed = false;
        switch (_frame.Opcode)
        {
            case Opcode.Close:
                OnPeerClose(payload);
                peerClosed = true;
                break;
            case Opcode.Ping when !_discardFrame:
                if (_session!.OnPing(payload.Length) is var closeCode && closeCode != 0)
                    Fail(closeCode, CloseCodes.Reasons.RateLimited);
                else
                    SendPong(payload);
                break;
            // Pong: any read already counts as a sign of life.
        }

        // Control frames are rare (keepalive): hold no buffer between them.
        if (_control is not null)
        {
            ArrayPool<byte>.Shared.Return(_control);
            _control = null;
        }

        return peerClosed;
    }

    private void OnPeerClose(ReadOnlySpan<byte> payload)
    {
        if (IsClosing)
            return; // the answer to our own close: done
        if (payload.Length == 0)
        {
            RequestClose(CloseCodes.Normal, "", discardQueue: true);
            return;
        }

        var code = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : (ushort)0;
        if (payload.Length == 1 || !IsValidPeerCloseCode(code))
            RequestClose(CloseCodes.ProtocolError, "invalid close code", discardQueue: true);
        else if (!Utf8.IsValid(payload[2..]))
            RequestClose(CloseCodes.InvalidPayload, CloseCodes.Reasons.InvalidPayload, discardQueue: true);
        else
            RequestClose(code, "", discardQueue: true); // echo the peer's code, as RFC 6455 suggests
    }

    /// <summary>Close codes a peer may send (RFC 6455 section 7.4).</summary>
    private static bool IsValidPeerCloseCode(ushort code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1011) or (>= 3000 and <= 4999);

    /// <summary>
    /// A client broke the protocol or a limit: close with <paramref name="code"/> and ignore what it sends until
    /// its close frame. A message that arrived whole before the error still reaches everyone, the client itself
    /// included: what is queued goes out before the close frame, and while the echo of a message it published
    /// is still on its way through the fan-out, the close waits for it (at most <see cref="EchoWait"/>).
    /// </summary>
    private void Fail(ushort code, string reason)
    {
        _discardFrame = true;
        _messageOpcode = 0;
        _messageLength = 0;
        _utf8Checked = 0;
        ReturnMessageBuffer();
        bool defer;
        lock (this)
        {
            if (_closing || _failPending)
                return;
            defer = Volatile.Read(ref _echoesAwaited) > 0;
            if (defer)
            {
                _failPending = true;
                _closeCode = code;
                _closeReason = reason;
                _sendDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (defer)
            _ = CloseAfterEchoWaitAsync();
        else
            RequestClose(code, reason, discardQueue: false);
    }

    /// <summary>Makes room for <paramref name="needed"/> bytes, at least doubling (up to the largest message) so a long message costs few copies.</summary>
    private void EnsureMessageCapacity(int needed)
    {
        if (_message is not null && _message.Length >= needed)
            return;
        var doubled = Math.Min(2L * (_message?.Length ?? 0), Settings.MaxMessageSize);
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Max(Math.Max(needed, doubled), 1024));
        if (_message is not null)
        {
            _message.AsSpan(0, _messageLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_message);
        }

        _message = bigger;
    }

    private void ReturnMessageBuffer()
    {
        if (_message is null)
            return;
        ArrayPool<byte>.Shared.Return(_message);
        _message = null;
    }

    private void ReturnBuffers()
    {
        ReturnMessageBuffer();
        if (_control is not null)
        {
            ArrayPool<byte>.Shared.Return(_control);
            _control = null;
        }
    }

    private static bool IsConnectionEnd(Exception e) =>
        e is IOException or OperationCanceledException or ObjectDisposedException or ConnectionResetException
            or ConnectionAbortedException;
}
