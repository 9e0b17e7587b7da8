using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace ActorPush.Host.Transport.Sockets;

/// <summary>
/// The read side of a <see cref="DirectConnection"/>: a <see cref="PipeReader"/> straight on the socket, for the one
/// reader a WebSocket has (the handshake, then the receive loop). It holds one contiguous buffer, and only while
/// bytes are unconsumed: an idle connection waits in a zero-byte receive with no buffer at all, and once the frame
/// reader has taken what arrived the buffer goes back to the pool.
/// </summary>
/// <remarks>
/// Until something is consumed the reader only peeks (<see cref="SocketFlags.Peek"/>): the request head stays in the
/// kernel, so a connection whose first request is not a WebSocket handshake can still be handed to Kestrel untouched.
/// A head that arrives in pieces is peeked again after a short wait (1 ms, doubling up to 100 ms; the handshake's
/// deadline bounds it). Consuming part of it receives exactly those bytes for real and ends the peeking.
/// </remarks>
internal sealed class SocketInput(DirectConnection connection) : PipeReader
{
    private const int LongestPeekWait = 100;

    private byte[]? _buffer;
    private int _start; // unconsumed bytes are [_start, _end)
    private int _end;
    private bool _examinedAll = true; // the last AdvanceTo examined everything: the next read waits for more
    private bool _peeking = true;
    private bool _eof;
    private bool _completed;

    /// <summary>Most bytes held unconsumed; a caller that asks for more fails the read.</summary>
    private const int Limit = PushConnectionMiddleware.ReadAheadLimit;

    /// <summary>Bytes the last read returned that the caller has not examined yet, or the end of the stream: a read returns at once.</summary>
    private bool ReadyNow => _eof || (!_examinedAll && _end > _start);

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (ReadyNow)
            return new ValueTask<ReadResult>(Result());
        return _peeking ? PeekAsync(cancellationToken) : ReceiveAsync(cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (ReadyNow)
        {
            result = Result();
            return true;
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var consumedAt = IndexOf(consumed);
        var examinedAt = IndexOf(examined);
        if (examinedAt < consumedAt)
            throw new InvalidOperationException("examined lies before consumed");
        if (_peeking && consumedAt > _start)
        {
            TakePeeked(consumedAt);
            return;
        }

        _start = consumedAt;
        _examinedAll = examinedAt >= _end;
        if (_start == _end)
            Release();
    }

    /// <summary>Not used by a WebSocket's reader: its reads end by their cancellation token or by the connection's abort.</summary>
    public override void CancelPendingRead() =>
        throw new NotSupportedException("a direct socket's reads are canceled by their token or end with the connection");

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
            return;
        _completed = true;
        Release();
        connection.SideCompleted();
    }

    /// <summary>Where <paramref name="position"/> (from the last read's sequence: this buffer and an index in it) lies in the buffer.</summary>
    private int IndexOf(SequencePosition position)
    {
        var index = position.GetInteger(); // an array-backed sequence's positions are indexes into the array
        if (position.GetObject() is { } array && !ReferenceEquals(array, _buffer ?? (object)Array.Empty<byte>()))
            throw new InvalidOperationException("the position is not from this reader's last read");
        if (index < _start || index > _end)
            throw new ArgumentOutOfRangeException(nameof(position), "the position lies outside what the last read returned");
        return index;
    }

    private ReadOnlySequence<byte> View() => new(_buffer ?? Array.Empty<byte>(), _start, _end - _start);

    private ReadResult Result() => new(View(), isCanceled: false, isCompleted: _eof);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        var socket = connection.Socket;
        try
        {
            if (_start == _end)
            {
                Release(); // wait holding no buffer: the kernel keeps what arrives
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            MakeRoom();
            var received = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                connection.ThrowIfAborted(); // an abort shut the socket down: not the peer's end of stream
                _eof = true;
            }

            _end += received;
            _examinedAll = false;
            return Result();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw connection.Translate(e);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> PeekAsync(CancellationToken cancellationToken)
    {
        var socket = connection.Socket;
        var wait = 1;
        try
        {
            while (true)
            {
                if (_buffer is null)
                    _buffer = PooledBuffer.Rent(PooledBuffer.MinimumSize);
                else if (_end == _buffer.Length)
                    Grow(); // everything peeked was examined and more is wanted
                var peeked = await socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.Peek, cancellationToken).ConfigureAwait(false);
                if (peeked == 0)
                {
                    connection.ThrowIfAborted();
                    _eof = true;
                    _end = _start = 0;
                    break;
                }

                if (peeked > _end)
                {
                    _end = peeked;
                    break;
                }

                // Nothing new since the last look: the rest of the head is still on its way, unless the peer is done
                // sending (a peek cannot see the end of the stream behind bytes it leaves in place).
                if (PeerFinishedSending(socket))
                {
                    _eof = true;
                    break;
                }

                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                wait = Math.Min(wait * 2, LongestPeekWait);
            }

            _examinedAll = false;
            return Result();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw connection.Translate(e);
        }
    }

    /// <summary>
    /// Whether the peer has closed its side (its FIN arrived): the connection's TCP state is CLOSE_WAIT, from
    /// <c>TCP_INFO</c> (Linux). Elsewhere false, and a half-closed peer with an incomplete head waits for the deadline.
    /// </summary>
    private static bool PeerFinishedSending(Socket socket)
    {
        const int ipProtoTcp = 6, tcpInfo = 11, closeWait = 8;
        if (!OperatingSystem.IsLinux())
            return false;
        Span<byte> info = stackalloc byte[8];
        try
        {
            return socket.GetRawSocketOption(ipProtoTcp, tcpInfo, info) > 0 && info[0] == closeWait;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Receives the first <paramref name="count"/> peeked bytes for real (they are in the kernel, so this returns at
    /// once) and ends the peeking. The rest that was peeked stays in the kernel and is read again by the next read.
    /// </summary>
    private void TakePeeked(int count)
    {
        _peeking = false;
        var socket = connection.Socket;
        try
        {
            for (var taken = 0; taken < count;)
            {
                var received = socket.Receive(_buffer!, taken, count - taken, SocketFlags.None);
                if (received == 0)
                    break;
                taken += received;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw connection.Translate(e);
        }

        _examinedAll = true;
        Release();
    }

    /// <summary>Room at the end of the buffer for a receive: compacts what is unconsumed to the front, grows when full.</summary>
    private void MakeRoom()
    {
        if (_buffer is null)
        {
            _buffer = PooledBuffer.Rent(PooledBuffer.MinimumSize);
            return;
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
            Grow();
    }

    private void Grow()
    {
        if (_buffer!.Length >= Limit)
            throw new IOException($"the reader holds {_end - _start} unconsumed bytes, its limit, and was asked for more");
        _buffer = PooledBuffer.Grow(_buffer, _start, _end - _start, Math.Min(_buffer.Length * 2, Limit));
        _end -= _start;
        _start = 0;
    }

    private void Release()
    {
        _start = _end = 0;
        PooledBuffer.Return(ref _buffer);
    }
}
