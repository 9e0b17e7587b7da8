using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace ActorPush.Host.Transport.Sockets;

/// <summary>
/// The write side of a <see cref="DirectConnection"/>: a <see cref="PipeWriter"/> whose flush is the socket send, for
/// the one writer a WebSocket has at a time (the handshake's response, then the send pump). What is written goes into
/// one pooled buffer, grown by doubling when a write does not fit; a flush sends it all and gives the buffer back, so
/// a connection holds none between writes. The send is tried at once on the caller's thread and waits for the
/// socket only when the kernel's buffer is full.
/// </summary>
internal sealed class SocketOutput(DirectConnection connection) : PipeWriter
{
    private byte[]? _buffer;
    private int _written;
    private bool _completed;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override void Advance(int bytes)
    {
        if (bytes < 0 || _buffer is null || bytes > _buffer.Length - _written)
            throw new ArgumentOutOfRangeException(nameof(bytes), "advanced past the memory handed out");
        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        MakeRoom(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        MakeRoom(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        _written == 0 ? new ValueTask<FlushResult>(default(FlushResult)) : SendAsync(cancellationToken);

    /// <summary>Not used by a WebSocket's writer: a send ends by its cancellation token or by the connection's abort.</summary>
    public override void CancelPendingFlush() =>
        throw new NotSupportedException("a direct socket's sends are canceled by their token or end with the connection");

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
            return;
        _completed = true;
        Release();
        connection.SideCompleted();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendAsync(CancellationToken cancellationToken)
    {
        var socket = connection.Socket;
        try
        {
            for (var sent = 0; sent < _written;)
                sent += await socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw connection.Translate(e);
        }

        Release();
        return default;
    }

    private void MakeRoom(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        var needed = Math.Max(sizeHint, 1);
        if (_buffer is null)
            _buffer = PooledBuffer.Rent(needed);
        else if (_buffer.Length - _written < needed)
            _buffer = PooledBuffer.Grow(_buffer, 0, _written, Math.Max(_buffer.Length * 2, _written + needed));
    }

    private void Release()
    {
        _written = 0;
        PooledBuffer.Return(ref _buffer);
    }
}
