using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorPush.LoadTest;

/// <summary>
/// A minimal WebSocket client over a raw <see cref="Socket"/>: one receive buffer, an in-place frame
/// parser, masked sends. Per delivered message it allocates nothing; the payload is parsed where it lies.
/// </summary>
public sealed class WsClient
{
    private const int NoClose = -1;
    private readonly Socket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer;
    private int _start;
    private int _end;
    private byte[]? _fragment;
    private int _fragmentLength;
    private int _closeCode = NoClose;
    private int _closed;
    private uint _maskState;

    private WsClient(int id, Socket socket, byte[] buffer, int start, int end, DeliveryTracker tracker)
    {
        Id = id;
        _socket = socket;
        _buffer = buffer;
        _start = start;
        _end = end;
        Tracker = tracker;
        _maskState = (uint)(id * 2654435761u) | 1;
    }

    public int Id { get; }

    public DeliveryTracker Tracker { get; }

    /// <summary>The receive loop; completes when the connection ends.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Close code from the server's close frame, or -1 when it sent none.</summary>
    public int CloseCode => Volatile.Read(ref _closeCode);

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>True when the server ended the connection (close frame, EOF or reset) before we closed it.</summary>
    public bool ClosedByServer { get; private set; }

    /// <summary>
    /// Connects from <paramref name="source"/>, performs the upgrade and returns the open client
    /// without starting its receive loop (see <see cref="StartReceiving"/>).
    /// </summary>
    public static async Task<WsClient> ConnectAsync(
        int id,
        TargetEndpoint target,
        IPAddress source,
        DeliveryTracker tracker,
        byte[] buffer,
        int? socketReceiveBuffer,
        CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            if (socketReceiveBuffer is { } rcv)
            {
                socket.ReceiveBufferSize = rcv;
            }

            TryBindWithoutPort(socket);
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(target.EndPoint, cancel).ConfigureAwait(false);

            var (request, expectedAccept) = Handshake.BuildRequest(target, "u" + id);
            await socket.SendAsync(request, SocketFlags.None, cancel).ConfigureAwait(false);

            var filled = 0;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    throw new IOException("handshake response too large");
                }

                var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancel).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException("connection closed during handshake");
                }

                filled += n;
                var headEnd = Handshake.FindHeadEnd(buffer.AsSpan(0, filled));
                if (headEnd < 0)
                {
                    continue;
                }

                var problem = Handshake.Validate(buffer.AsSpan(0, headEnd), expectedAccept);
                if (problem is not null)
                {
                    throw new IOException("handshake refused: " + problem);
                }

                return new WsClient(id, socket, buffer, headEnd, filled, tracker);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A client's receive buffer, on the pinned-object heap, which the GC never copies: 19,000 clients' 4 KiB buffers
    /// moved through gen0 and gen1 made the tool's own collections pause 110-120 ms in a connect storm, stalling
    /// every connect in flight. Allocating them fills that heap's budget, which starts full collections, so a run
    /// allocates its clients' buffers before it starts connecting.
    /// </summary>
    public static byte[] NewReceiveBuffer(int size) => GC.AllocateUninitializedArray<byte>(size, pinned: true);

    public void StartReceiving()
    {
        Completion = ReceiveLoopAsync();
    }

    /// <summary>Sends one final frame built into <paramref name="scratch"/> from <paramref name="payload"/>.</summary>
    public async ValueTask SendAsync(Opcode opcode, ReadOnlyMemory<byte> payload, Memory<byte> scratch)
    {
        var length = FrameHeader.WriteClientFrame(scratch.Span, opcode, payload.Span, NextMask());
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var sent = 0;
            while (sent < length)
            {
                sent += await _socket.SendAsync(scratch.Slice(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a close frame (1000), then closes the socket. Safe to call more than once.</summary>
    public async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            var payload = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(payload, 1000);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var scratch = new byte[16];
            var length = FrameHeader.WriteClientFrame(scratch, Opcode.Close, payload, NextMask());
            if (_sendLock.Wait(0))
            {
                try
                {
                    await _socket.SendAsync(scratch.AsMemory(0, length), SocketFlags.None, cts.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }
            }

            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _socket.Dispose();
        }
    }

    /// <summary>Closes the socket without a close frame (a client that simply vanishes).</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closed, 1);
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                if (!ParseFrames())
                {
                    break;
                }

                if (_start == _end)
                {
                    _start = _end = 0;
                }
                else if (_end == _buffer.Length)
                {
                    Compact();
                }

                var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    ServerEnded();
                    break;
                }

                _end += n;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            ServerEnded();
        }
    }

    private void ServerEnded()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            ClosedByServer = true;
            _socket.Dispose();
        }
    }

    /// <summary>Handles every complete frame in the buffer. False when the connection is done.</summary>
    private bool ParseFrames()
    {
        while (true)
        {
            var data = _buffer.AsSpan(_start, _end - _start);
            var parsed = FrameHeader.TryParseServerFrame(data, out var header, out var headerLength);
            if (parsed == FrameHeader.Result.ProtocolError)
            {
                throw new IOException("the server sent a frame that breaks RFC 6455 (reserved bits, unknown opcode, masked, or a bad control frame)");
            }

            if (parsed == FrameHeader.Result.Incomplete)
            {
                EnsureRoom(FrameHeader.MaxLength);
                return true;
            }

            var payloadLength = header.PayloadLength;
            var frameLength = headerLength + payloadLength;
            if (frameLength > 64 * 1024 * 1024)
            {
                throw new IOException("frame too large");
            }

            if (data.Length < frameLength)
            {
                EnsureRoom((int)frameLength);
                return true;
            }

            var payload = _buffer.AsSpan(_start + headerLength, (int)payloadLength);
            var fin = header.Fin;
            var opcode = header.Opcode;
            _start += (int)frameLength;
            if (!HandleFrame(fin, opcode, payload))
            {
                return false;
            }
        }
    }

    private bool HandleFrame(bool fin, Opcode opcode, Span<byte> payload)
    {
        switch (opcode)
        {
            case Opcode.Text or Opcode.Binary when fin && _fragment is null:
                Tracker.OnMessage(payload);
                return true;
            case Opcode.Text or Opcode.Binary:
                _fragmentLength = 0;
                AppendFragment(payload);
                return true;
            case Opcode.Continuation:
                AppendFragment(payload);
                if (fin && _fragment is not null)
                {
                    Tracker.OnMessage(_fragment.AsSpan(0, _fragmentLength));
                    _fragment = null;
                }

                return true;
            case Opcode.Ping:
                _ = ReplyAsync(Opcode.Pong, payload.ToArray());
                return true;
            case Opcode.Pong:
                return true;
            case Opcode.Close:
                Volatile.Write(ref _closeCode, payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005);
                ClosedByServer = true;
                _ = ReplyCloseThenDisposeAsync(payload.Length >= 2 ? payload[..2].ToArray() : []);
                return false;
            default:
                throw new IOException($"unknown opcode {opcode}");
        }
    }

    private void AppendFragment(ReadOnlySpan<byte> payload)
    {
        _fragment ??= new byte[Math.Max(256, payload.Length)];
        if (_fragmentLength + payload.Length > _fragment.Length)
        {
            Array.Resize(ref _fragment, Math.Max(_fragment.Length * 2, _fragmentLength + payload.Length));
        }

        payload.CopyTo(_fragment.AsSpan(_fragmentLength));
        _fragmentLength += payload.Length;
    }

    private async Task ReplyAsync(Opcode opcode, byte[] payload)
    {
        try
        {
            await SendAsync(opcode, payload, new byte[payload.Length + FrameHeader.MaxLength]).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ReplyCloseThenDisposeAsync(byte[] code)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var scratch = new byte[16];
            var length = FrameHeader.WriteClientFrame(scratch, Opcode.Close, code, NextMask());
            await _socket.SendAsync(scratch.AsMemory(0, length), SocketFlags.None, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _socket.Dispose();
        }
    }

    /// <summary>Makes sure a frame of <paramref name="frameLength"/> bytes fits from <see cref="_start"/>.</summary>
    private void EnsureRoom(int frameLength)
    {
        if (_buffer.Length - _start >= frameLength && _end < _buffer.Length)
        {
            return;
        }

        if (frameLength > _buffer.Length)
        {
            var bigger = new byte[Math.Max(frameLength, _buffer.Length * 2)];
            _buffer.AsSpan(_start, _end - _start).CopyTo(bigger);
            _end -= _start;
            _start = 0;
            _buffer = bigger;
            return;
        }

        Compact();
    }

    private void Compact()
    {
        var pending = _end - _start;
        _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        _start = 0;
        _end = pending;
    }

    /// <summary>
    /// IP_BIND_ADDRESS_NO_PORT: with a source address bound, let the kernel pick the port at connect time
    /// (per destination) instead of at bind time, so one source address is not limited by bind-time port search.
    /// </summary>
    private static void TryBindWithoutPort(Socket socket)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.IP, (SocketOptionName)24, 1);
        }
        catch (SocketException)
        {
        }
    }

    private uint NextMask()
    {
        // xorshift32: a fresh, cheap masking key per frame (masking is about proxies, not secrecy).
        var x = _maskState;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _maskState = x;
        return x;
    }
}
