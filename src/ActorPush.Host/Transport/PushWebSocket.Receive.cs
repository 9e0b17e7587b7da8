using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

// The receive side: the loop that reads the pipe, what the FrameReader's events mean, and failing a client.
internal sealed partial class PushWebSocket
{
    // Once closing, what the client still sends is read only to find its close reply, and only up to the
    // largest message and this much more: a client that floods instead gets TCP backpressure, then the abort.
    private const int DrainAllowance = 64 * 1024;

    // After a frame header that cannot be parsed, what the client still sends is discarded until it has been
    // quiet this long (its close reply came) or it closed, for at most LingerMax; then TCP is closed.
    private static readonly TimeSpan LingerQuiet = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LingerMax = TimeSpan.FromSeconds(1);

    // A client failing the protocol right after a message: the close waits at most this long for that
    // message's echo to come back through the fan-out (see Fail).
    private static readonly TimeSpan EchoWait = TimeSpan.FromSeconds(1);

    private bool IsClosing
    {
        get
        {
            lock (this)
                return _close != CloseState.Open;
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
        {
            Output.Complete(); // refused or handed over: a refused connection's socket closes here
            Input.Complete();
            return;
        }

        try
        {
            try
            {
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

                if (_reader.State == ReaderState.Broken)
                    await LingerAsync(drainBudget).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionEnd(e))
            {
                Abort("receive failed");
            }

            // The receive side is done (the peer's close frame, EOF or an abort): finish the close.
            RequestClose(CloseCodes.Normal, "", discardQueue: true); // no-op when a close is already under way
            await SendDone().ConfigureAwait(false); // our close frame went out (or the connection died)
            _finished = true;
            _reader.ReturnBuffers();
        }
        finally
        {
            lifecycle.Closed(this); // whatever ended the connection
        }

        // The socket's sides complete synchronously: no await here, so the state machine holds no awaiter for it.
        Output.Complete();
        Input.Complete();
    }

    /// <summary>
    /// Hands what the <see cref="FrameReader"/> finds in <paramref name="buffer"/> up to the handler. Returns true
    /// when reading frames should stop: the peer's close frame was read, or the stream can no longer be parsed.
    /// </summary>
    private bool Process(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (IsClosing)
                _reader.IgnoreUntilClose(); // what a closing connection still reads is only its peer's close reply
            switch (_reader.Read(ref buffer, Settings.MaxMessageSize))
            {
                case FrameEvent.NeedMore:
                    return false;
                case FrameEvent.Message:
                    OnMessage(_reader.Payload, _reader.MessageKind);
                    break;
                case FrameEvent.Ping:
                    if (_handler!.OnPing(_reader.Payload.Length) is var closeCode && closeCode != 0)
                        Fail(closeCode, CloseCodes.Reasons.RateLimited);
                    else
                        SendPong(_reader.Payload);
                    break;
                case FrameEvent.Close:
                    OnPeerClose(_reader.Payload);
                    return true;
                case FrameEvent.Error:
                    Fail(_reader.ErrorCode, _reader.ErrorReason);
                    if (_reader.State == ReaderState.Broken)
                        return true; // frame boundaries are lost: LingerAsync discards what follows, then TCP closes
                    break;
            }

            if (_receivePaused || _pongWritten is not null)
                return false; // backpressure: the rest of the buffer waits
        }
    }

    private void OnMessage(ReadOnlySpan<byte> message, FrameKind kind)
    {
        // The echo is awaited before the message is handed on: it can come back through the fan-out on another thread
        // before OnMessage returns, and counted only afterwards it would be awaited forever (a failing client's close
        // then waited the whole EchoWait).
        var echoes = _handler!.EchoesToSender;
        if (echoes)
            Interlocked.Increment(ref _echoesAwaited);
        var closeCode = _handler.OnMessage(message, kind); // the node's fan-out entry makes the one copy its recipients share
        if (closeCode != 0)
        {
            if (echoes)
            {
                lock (this)
                {
                    if (_echoesAwaited > 0)
                        _echoesAwaited--; // refused: no echo comes
                }
            }

            Fail(closeCode, closeCode == CloseCodes.RateLimited ? CloseCodes.Reasons.RateLimited : "");
            return;
        }

        if (_shared.Pressure is { IsBehind: true })
            _receivePaused = true; // the fan-out is behind: read no more until it catches up
    }

    private void OnPeerClose(ReadOnlySpan<byte> payload)
    {
        if (IsClosing)
            return; // the answer to our own close (or one on its way): done
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
    /// is still on its way through the fan-out, the close waits for it (<see cref="CloseState.Failing"/>, at most
    /// <see cref="EchoWait"/>).
    /// </summary>
    private void Fail(ushort code, string reason)
    {
        _reader.IgnoreUntilClose();
        bool wait;
        lock (this)
        {
            if (_close != CloseState.Open)
                return;
            wait = Volatile.Read(ref _echoesAwaited) > 0;
            if (wait)
            {
                _close = CloseState.Failing;
                _closeCode = code;
                _closeReason = reason;
                _sendDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (wait)
            _ = CloseAfterEchoWaitAsync();
        else
            RequestClose(code, reason, discardQueue: false);
    }

    private async Task CloseAfterEchoWaitAsync()
    {
        await Task.Delay(Settings.CloseTimeout < EchoWait ? Settings.CloseTimeout : EchoWait).ConfigureAwait(false);
        RequestClose(0, "", discardQueue: false); // no-op when the echoes came (or anything else closed it) first
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
            pongWritten = _close >= CloseState.Closing ? null : _pongWritten?.Task;
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
        await SendDone().ConfigureAwait(false);
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
}
