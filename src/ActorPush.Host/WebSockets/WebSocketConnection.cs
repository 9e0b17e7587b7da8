using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using ActorPush.Actors.Settings;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.WebSockets;

/// <summary>
/// One accepted WebSocket: the Host's side of <see cref="IClientConnection"/>. A receive loop reads
/// client messages (zero-byte reads while idle, a pooled buffer only while a message is arriving) and
/// a send loop drains a bounded outbound queue counted in bytes. Whichever loop ends first starts the
/// close; a close that does not finish within <c>actorpush.client.close-timeout</c> aborts the socket.
/// </summary>
internal sealed class WebSocketConnection : IClientConnection
{
    private const int FirstReadSize = 4 * 1024;

    // Payload of messages read after we started closing is thrown away here; nobody reads it.
    private static readonly byte[] DiscardBuffer = new byte[FirstReadSize];

    private readonly WebSocket _socket;
    private readonly ActorPushSettings _settings;
    private readonly Func<OutboundFrame, ushort> _onMessage;
    private readonly Action _abortTransport;
    private readonly Channel<OutboundFrame> _outbound =
        Channel.CreateUnbounded<OutboundFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private long _queuedBytes;
    private int _closeRequested;
    private ushort _closeCode;
    private string _closeReason = "";
    private volatile bool _discardQueue;
    private volatile bool _finished;

    /// <param name="onMessage">Called with each whole client message; returns 0, or a close code to close the connection with.</param>
    /// <param name="abortTransport">Tears the TCP connection down at once (<c>HttpContext.Abort</c>).</param>
    public WebSocketConnection(WebSocket socket, ActorPushSettings settings, Func<OutboundFrame, ushort> onMessage, Action abortTransport)
    {
        _socket = socket;
        _abortTransport = abortTransport;
        _settings = settings;
        _onMessage = onMessage;
    }

    /// <summary>The close code this side sent (or echoed); 0 while open.</summary>
    public ushort CloseCode => Volatile.Read(ref _closeRequested) == 0 ? (ushort)0 : _closeCode;

    public bool TrySend(OutboundFrame frame)
    {
        if (Volatile.Read(ref _closeRequested) != 0)
            return true; // closing: frames are discarded, this is not a slow consumer

        if (Interlocked.Add(ref _queuedBytes, frame.Size) > _settings.SendQueueLimit)
        {
            Interlocked.Add(ref _queuedBytes, -frame.Size);
            return false;
        }

        if (!_outbound.Writer.TryWrite(frame))
            Interlocked.Add(ref _queuedBytes, -frame.Size); // completed meanwhile: closing
        return true;
    }

    public void Close(ushort code, string reason) => RequestClose(code, reason, discardQueue: code != CloseCodes.GoingAway);

    /// <summary>Runs both loops until the connection is closed or aborted. Never throws for a vanished peer.</summary>
    public async Task RunAsync()
    {
        var receiving = ReceiveLoopAsync();
        var sending = SendLoopAsync();
        await Task.WhenAny(receiving, sending).ConfigureAwait(false);
        RequestClose(CloseCodes.Normal, "", discardQueue: true); // no-op when a close is already under way
        await Task.WhenAll(receiving, sending).ConfigureAwait(false);
        _finished = true;
    }

    private void RequestClose(ushort code, string reason, bool discardQueue)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
            return;
        _closeCode = code;
        _closeReason = reason;
        _discardQueue = discardQueue;
        _outbound.Writer.TryComplete(); // the send loop drains (or discards) what is queued, then sends the close frame
        _ = AbortAfterCloseTimeoutAsync();
    }

    private async Task AbortAfterCloseTimeoutAsync()
    {
        await Task.Delay(_settings.CloseTimeout).ConfigureAwait(false);
        if (!_finished)
            Abort();
    }

    private async Task SendLoopAsync()
    {
        var reader = _outbound.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    Interlocked.Add(ref _queuedBytes, -frame.Size);
                    if (_discardQueue)
                        continue;
                    var type = frame.Kind == FrameKind.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                    await _socket.SendAsync(frame.Payload, type, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                }
            }

            // The queue was completed: a close was requested.
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await _socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, _closeReason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            Abort();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        byte[]? buffer = null;
        try
        {
            while (Volatile.Read(ref _closeRequested) == 0)
            {
                // Idle connections wait here without holding a buffer.
                var result = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    RequestClose(CloseCodes.Normal, "", discardQueue: true);
                    return;
                }

                var length = 0;
                if (!result.EndOfMessage)
                {
                    buffer = ArrayPool<byte>.Shared.Rent(FirstReadSize);
                    while (true)
                    {
                        if (length == buffer.Length)
                            buffer = Grow(buffer, length);
                        var room = Math.Min(buffer.Length, _settings.MaxMessageSize + 1) - length;
                        result = await _socket.ReceiveAsync(buffer.AsMemory(length, room), CancellationToken.None).ConfigureAwait(false);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            RequestClose(CloseCodes.Normal, "", discardQueue: true);
                            return;
                        }

                        length += result.Count;
                        if (length > _settings.MaxMessageSize)
                        {
                            RequestClose(CloseCodes.MessageTooBig, CloseCodes.Reasons.MessageTooBig, discardQueue: true);
                            break;
                        }

                        if (result.EndOfMessage)
                            break;
                    }
                }

                if (Volatile.Read(ref _closeRequested) != 0)
                    break;
                var kind = result.MessageType == WebSocketMessageType.Text ? FrameKind.Text : FrameKind.Binary;
                var payload = length == 0 ? [] : buffer!.AsSpan(0, length).ToArray(); // the one copy every recipient shares
                ReturnBuffer(ref buffer);
                var closeCode = _onMessage(new OutboundFrame(payload, kind));
                if (closeCode != 0)
                    RequestClose(closeCode, "", discardQueue: true);
            }

            ReturnBuffer(ref buffer);
            await DrainUntilPeerClosesAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionEnd(e))
        {
            // A protocol error the framework answered with a close frame of its own (1007 for invalid
            // UTF-8, 1002 for a malformed frame) or a keepalive timeout leaves the socket closed or aborted
            // by the framework: end normally. Anything else means the peer is gone: abort the transport.
            if (_socket.State is not (WebSocketState.CloseSent or WebSocketState.Aborted))
                Abort();
        }
        finally
        {
            ReturnBuffer(ref buffer);
        }
    }

    /// <summary>
    /// After we started a close, keep reading (and discarding) until the peer's close frame arrives,
    /// so the socket is not torn down with unread data (which would reset the TCP connection and could
    /// lose our close frame). The close deadline bounds this.
    /// </summary>
    private async Task DrainUntilPeerClosesAsync()
    {
        while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var result = await _socket.ReceiveAsync(DiscardBuffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
                return;
        }
    }

    private void Abort()
    {
        _socket.Abort();
        _abortTransport();
    }

    private byte[] Grow(byte[] buffer, int length)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _settings.MaxMessageSize + 1));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private static void ReturnBuffer(ref byte[]? buffer)
    {
        if (buffer is null)
            return;
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = null;
    }

    private static bool IsConnectionEnd(Exception e) =>
        e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionResetException;
}
