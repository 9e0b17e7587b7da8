using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace KestrelBaseline;

/// <summary>
/// One upgraded connection: a read loop that parses client frames and broadcasts each message (framed once),
/// and a send loop that drains a bounded queue, copying as many queued frames as fit into one write.
/// A full queue means a slow consumer: its queue is dropped and it is closed with 4008.
/// </summary>
public sealed class BroadcastConnection
{
    private const int BatchBytes = 16 * 1024;
    private const int MaxMessageBytes = 1 << 20;
    private const ushort SlowConsumerCode = 4008;

    private readonly Stream _stream;
    private readonly Action _abort;
    private readonly Hub _hub;
    private readonly TimeSpan _slowAbortAfter;
    private readonly Channel<byte[]> _queue;
    private byte[]? _fragment;
    private int _fragmentLength;
    private Opcode _fragmentOpcode;
    private int _slow;

    public BroadcastConnection(Stream stream, Action abort, Hub hub, int queueCapacity, TimeSpan slowAbortAfter)
    {
        _stream = stream;
        _abort = abort;
        _hub = hub;
        _slowAbortAfter = slowAbortAfter;
        _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    public void Enqueue(byte[] frame)
    {
        if (!_queue.Writer.TryWrite(frame))
        {
            MarkSlow();
        }
    }

    public async Task RunAsync()
    {
        _hub.Add(this);
        var sending = SendLoopAsync();
        try
        {
            await ReadLoopAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
        {
        }
        finally
        {
            _hub.Remove(this);
            _queue.Writer.TryComplete();
        }

        await sending;
    }

    private void MarkSlow()
    {
        if (Interlocked.Exchange(ref _slow, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        _ = AbortLaterAsync();
    }

    private async Task AbortLaterAsync()
    {
        await Task.Delay(_slowAbortAfter);
        _abort();
    }

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                var closed = false;
                while (!closed && TryHandleFrame(ref buffer, out closed))
                {
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (closed || result.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>Handles the first complete frame of <paramref name="buffer"/> and slices it off; false when incomplete.</summary>
    private bool TryHandleFrame(ref ReadOnlySequence<byte> buffer, out bool closed)
    {
        closed = false;
        var parsed = FrameHeader.TryParse(buffer, out var header, out var headerLength);
        if (parsed == FrameHeader.Result.ProtocolError)
        {
            throw new InvalidDataException("protocol error");
        }

        if (parsed == FrameHeader.Result.Incomplete)
        {
            return false;
        }

        var (fin, opcode, payloadLength, mask) = (header.Fin, header.Opcode, header.PayloadLength, header.Mask);

        if (payloadLength > MaxMessageBytes)
        {
            throw new InvalidDataException("message too large");
        }

        if (buffer.Length < headerLength + payloadLength)
        {
            return false;
        }

        var payload = buffer.Slice(headerLength, payloadLength);
        buffer = buffer.Slice(headerLength + payloadLength);
        switch (opcode)
        {
            case Opcode.Text or Opcode.Binary when fin && _fragment is null:
                var frame = ServerFrames.Encode(opcode, payload);
                FrameHeader.Unmask(frame.AsSpan(frame.Length - (int)payloadLength), mask, 0);
                _hub.Broadcast(frame);
                break;
            case Opcode.Text or Opcode.Binary:
                _fragmentOpcode = opcode;
                _fragmentLength = 0;
                AppendFragment(payload, mask);
                break;
            case Opcode.Continuation:
                AppendFragment(payload, mask);
                if (fin && _fragment is not null)
                {
                    _hub.Broadcast(ServerFrames.Encode(_fragmentOpcode, _fragment.AsSpan(0, _fragmentLength)));
                    _fragment = null;
                }

                break;
            case Opcode.Ping:
                var ping = payload.ToArray();
                FrameHeader.Unmask(ping, mask, 0);
                Enqueue(ServerFrames.Encode(Opcode.Pong, ping));
                break;
            case Opcode.Pong:
                break;
            case Opcode.Close:
                var code = payload.Slice(0, Math.Min(2, payload.Length)).ToArray();
                FrameHeader.Unmask(code, mask, 0);
                Enqueue(ServerFrames.Encode(Opcode.Close, code));
                closed = true;
                break;
            default:
                throw new InvalidDataException("unknown opcode");
        }

        return true;
    }

    private void AppendFragment(ReadOnlySequence<byte> payload, uint mask)
    {
        var part = payload.ToArray();
        FrameHeader.Unmask(part, mask, 0);
        _fragment ??= new byte[Math.Max(256, part.Length)];
        if (_fragmentLength + part.Length > MaxMessageBytes)
        {
            throw new InvalidDataException("message too large");
        }

        if (_fragmentLength + part.Length > _fragment.Length)
        {
            Array.Resize(ref _fragment, Math.Max(_fragment.Length * 2, _fragmentLength + part.Length));
        }

        part.CopyTo(_fragment.AsSpan(_fragmentLength));
        _fragmentLength += part.Length;
    }

    private async Task SendLoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                if (Volatile.Read(ref _slow) != 0)
                {
                    break;
                }

                var batch = ArrayPool<byte>.Shared.Rent(BatchBytes);
                try
                {
                    var used = 0;
                    while (Volatile.Read(ref _slow) == 0 && reader.TryRead(out var frame))
                    {
                        if (used + frame.Length > batch.Length)
                        {
                            if (used > 0)
                            {
                                await _stream.WriteAsync(batch.AsMemory(0, used));
                                used = 0;
                            }

                            if (frame.Length > batch.Length)
                            {
                                await _stream.WriteAsync(frame);
                                continue;
                            }
                        }

                        frame.CopyTo(batch, used);
                        used += frame.Length;
                    }

                    if (used > 0)
                    {
                        await _stream.WriteAsync(batch.AsMemory(0, used));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(batch);
                }
            }

            if (Volatile.Read(ref _slow) != 0)
            {
                await _stream.WriteAsync(ServerFrames.Close(SlowConsumerCode));
                await Task.Delay(TimeSpan.FromSeconds(2));
                _abort();
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            _abort();
        }
    }
}
