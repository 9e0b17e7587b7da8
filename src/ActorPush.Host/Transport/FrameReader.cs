using System.Buffers;
using ActorPush.Actors.Transport;

namespace ActorPush.Host.Transport;

/// <summary>Where the <see cref="FrameReader"/> is in the byte stream.</summary>
internal enum ReaderState : byte
{
    /// <summary>The next bytes are a frame header.</summary>
    Header,

    /// <summary>Inside a frame whose payload is kept (a message fragment or a control frame).</summary>
    Payload,

    /// <summary>Inside a frame whose payload is dropped (the connection is closing, or the message failed).</summary>
    Skip,

    /// <summary>A header broke the protocol: frame boundaries are lost and nothing more is parsed.</summary>
    Broken,
}

/// <summary>How a client broke the protocol or the size limit; <see cref="FrameReader.ErrorCode"/> and <see cref="FrameReader.ErrorReason"/> say it on the wire.</summary>
internal enum FrameError : byte
{
    None,
    BadHeader,
    ContinuationWithoutMessage,
    MessageInsideMessage,
    TooBig,
    InvalidUtf8,
}

/// <summary>What one <see cref="FrameReader.Read"/> found.</summary>
internal enum FrameEvent : byte
{
    /// <summary>The bytes are used up; read more.</summary>
    NeedMore,

    /// <summary>A whole message (<see cref="FrameReader.MessageKind"/>, <see cref="FrameReader.Payload"/>).</summary>
    Message,

    /// <summary>A ping; its payload is in <see cref="FrameReader.Payload"/>.</summary>
    Ping,

    /// <summary>The peer's close frame; its payload is in <see cref="FrameReader.Payload"/>.</summary>
    Close,

    /// <summary>The client broke the protocol or the size limit (<see cref="FrameReader.Error"/>); frames after it are ignored.</summary>
    Error,
}

/// <summary>
/// The receive side of a connection (RFC 6455 section 5), without a socket: parses client frames, unmasks,
/// assembles fragments into messages, checks text as UTF-8 as it arrives, and reports each message,
/// ping, close or error as a <see cref="FrameEvent"/>. A struct kept inside its connection, so it costs no
/// allocation; it holds a buffer only while a message or control frame is being read.
/// </summary>
internal struct FrameReader
{
    private FrameHeader _frame;
    private long _frameRemaining;
    private long _frameOffset;
    private byte[]? _message;
    private int _messageLength;
    private int _utf8Checked; // a text message's bytes checked as whole UTF-8 sequences so far
    private byte[]? _control;
    private byte _controlLength; // at most 125
    private Opcode _messageOpcode; // 0 between messages
    private ReaderState _state;
    private bool _ignoring; // after an error or once closing: only close frames still count

    public readonly ReaderState State => _state;

    /// <summary>The kind of the message a <see cref="FrameEvent.Message"/> reported.</summary>
    public FrameKind MessageKind { get; private set; }

    /// <summary>What the last <see cref="FrameEvent.Error"/> was.</summary>
    public FrameError Error { get; private set; }

    /// <summary>The close code for <see cref="Error"/> (RFC 6455 section 7.4.1).</summary>
    public readonly ushort ErrorCode => Error switch
    {
        FrameError.TooBig => CloseCodes.MessageTooBig,
        FrameError.InvalidUtf8 => CloseCodes.InvalidPayload,
        _ => CloseCodes.ProtocolError,
    };

    /// <summary>The close reason for <see cref="Error"/>.</summary>
    public readonly string ErrorReason => Error switch
    {
        FrameError.TooBig => CloseCodes.Reasons.MessageTooBig,
        FrameError.InvalidUtf8 => CloseCodes.Reasons.InvalidPayload,
        FrameError.ContinuationWithoutMessage => "continuation without a message",
        FrameError.MessageInsideMessage => "new message inside a fragmented one",
        _ => "protocol error",
    };

    /// <summary>
    /// The payload of the last <see cref="FrameEvent.Message"/>, <see cref="FrameEvent.Ping"/> or
    /// <see cref="FrameEvent.Close"/>; valid until the next <see cref="Read"/> or <see cref="Release"/>.
    /// </summary>
    public readonly ReadOnlySpan<byte> Payload =>
        _frame.IsControl ? _control.AsSpan(0, _controlLength) : _message.AsSpan(0, _messageLength);

    /// <summary>From now on data frames and pings are dropped unread; the peer's close frame is still reported.</summary>
    public void IgnoreUntilClose() => _ignoring = true;

    /// <summary>
    /// Consumes frames from <paramref name="buffer"/> until it finds a message, a ping, a close or an error, or
    /// the bytes run out. <paramref name="maxMessageSize"/> bounds a message (its fragments summed).
    /// </summary>
    public FrameEvent Read(ref ReadOnlySequence<byte> buffer, long maxMessageSize)
    {
        Release();
        while (true)
        {
            switch (_state)
            {
                case ReaderState.Broken:
                    buffer = buffer.Slice(buffer.End);
                    return FrameEvent.NeedMore;
                case ReaderState.Header:
                    var parsed = FrameHeader.TryParse(buffer, out var header, out var headerLength);
                    if (parsed == FrameHeader.Result.Incomplete)
                        return FrameEvent.NeedMore;
                    if (parsed == FrameHeader.Result.ProtocolError)
                    {
                        _state = ReaderState.Broken;
                        buffer = buffer.Slice(buffer.End);
                        return Fail(FrameError.BadHeader);
                    }

                    buffer = buffer.Slice(headerLength);
                    if (StartFrame(header, maxMessageSize) is { } error)
                        return error;
                    break;
            }

            var take = (int)Math.Min(_frameRemaining, buffer.Length);
            if (take > 0)
            {
                var invalid = _state == ReaderState.Payload && !CopyPayload(buffer.Slice(0, take), maxMessageSize);
                buffer = buffer.Slice(take);
                _frameRemaining -= take;
                _frameOffset += take;
                if (invalid)
                    return Fail(FrameError.InvalidUtf8);
            }

            if (_frameRemaining > 0)
                return FrameEvent.NeedMore;
            var skipped = _state == ReaderState.Skip;
            _state = ReaderState.Header;
            if (!skipped && EndFrame() is var found && found != FrameEvent.NeedMore)
                return found;
        }
    }

    /// <summary>Gives back the buffer of the last event (control frames and messages hold none between them).</summary>
    public void Release()
    {
        if (_state != ReaderState.Payload) // not while a control frame's payload is still arriving
            ReturnControl();
        if (_messageOpcode == 0)
            ReturnMessage();
    }

    /// <summary>The connection ended: every buffer goes back.</summary>
    public void ReturnBuffers()
    {
        _messageOpcode = 0;
        ReturnControl();
        ReturnMessage();
    }

    private FrameEvent? StartFrame(FrameHeader header, long maxMessageSize)
    {
        _frame = header;
        _frameRemaining = header.PayloadLength;
        _frameOffset = 0;
        _state = ReaderState.Payload;
        if (_ignoring && header.Opcode != Opcode.Close)
        {
            _state = ReaderState.Skip;
            return null;
        }

        if (header.IsControl)
        {
            _control = ArrayPool<byte>.Shared.Rent(FrameHeader.MaxControlPayload);
            _controlLength = 0;
            return null;
        }

        var continuation = header.Opcode == Opcode.Continuation;
        if (continuation != (_messageOpcode != 0))
            return Fail(continuation ? FrameError.ContinuationWithoutMessage : FrameError.MessageInsideMessage);
        if (header.PayloadLength > maxMessageSize - _messageLength) // no overflow for huge declared lengths
            return Fail(FrameError.TooBig);
        if (!continuation)
            _messageOpcode = header.Opcode;
        return null;
    }

    /// <summary>Copies and unmasks payload bytes. Returns false when they make the text message invalid UTF-8.</summary>
    private bool CopyPayload(ReadOnlySequence<byte> payload, long maxMessageSize)
    {
        var length = (int)payload.Length;
        Span<byte> destination;
        if (_frame.IsControl)
        {
            destination = _control.AsSpan(_controlLength, length);
            _controlLength += (byte)length;
        }
        else
        {
            EnsureMessageCapacity(_messageLength + length, maxMessageSize); // grows with the bytes that arrived, not the declared length
            destination = _message.AsSpan(_messageLength, length);
            _messageLength += length;
        }

        payload.CopyTo(destination);
        FrameHeader.Unmask(destination, _frame.Mask, _frameOffset);
        if (_frame.IsControl || _messageOpcode != Opcode.Text)
            return true;
        // Checked as it arrives, so invalid text fails in the fragment (or the read) where it starts.
        _utf8Checked = Utf8Prefix.Check(_message.AsSpan(0, _messageLength), _utf8Checked);
        return _utf8Checked >= 0;
    }

    /// <summary>A kept frame was read whole: what it completes, or <see cref="FrameEvent.NeedMore"/> for a fragment or a pong.</summary>
    private FrameEvent EndFrame()
    {
        switch (_frame.Opcode)
        {
            case Opcode.Close:
                return FrameEvent.Close;
            case Opcode.Ping:
                return FrameEvent.Ping;
            case Opcode.Pong:
                Release(); // any read already counts as a sign of life
                return FrameEvent.NeedMore;
        }

        if (!_frame.Fin)
            return FrameEvent.NeedMore;
        if (_messageOpcode == Opcode.Text && _utf8Checked != _messageLength)
            return Fail(FrameError.InvalidUtf8); // it ends inside a sequence
        MessageKind = _messageOpcode == Opcode.Text ? FrameKind.Text : FrameKind.Binary;
        _messageOpcode = 0; // the message is whole: Release gives its buffer back
        _utf8Checked = 0;
        return FrameEvent.Message;
    }

    /// <summary>The client broke the protocol or a limit: the message being read is dropped, and so is what follows but its close.</summary>
    private FrameEvent Fail(FrameError error)
    {
        Error = error;
        _ignoring = true;
        if (_state == ReaderState.Payload)
            _state = ReaderState.Skip;
        _messageOpcode = 0;
        _utf8Checked = 0;
        ReturnMessage();
        return FrameEvent.Error;
    }

    /// <summary>Makes room for <paramref name="needed"/> bytes, at least doubling (up to the largest message) so a long message costs few copies.</summary>
    private void EnsureMessageCapacity(int needed, long maxMessageSize)
    {
        if (_message is not null && _message.Length >= needed)
            return;
        var doubled = Math.Min(2L * (_message?.Length ?? 0), maxMessageSize);
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Max(Math.Max(needed, doubled), 1024));
        if (_message is not null)
        {
            _message.AsSpan(0, _messageLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_message);
        }

        _message = bigger;
    }

    private void ReturnControl()
    {
        if (_control is null)
            return;
        ArrayPool<byte>.Shared.Return(_control);
        _control = null;
    }

    private void ReturnMessage()
    {
        _messageLength = 0;
        if (_message is null)
            return;
        ArrayPool<byte>.Shared.Return(_message);
        _message = null;
    }
}
