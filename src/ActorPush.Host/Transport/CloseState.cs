namespace ActorPush.Host.Transport;

/// <summary>Where a connection is in the close handshake (RFC 6455 section 7); only ever moves down this list.</summary>
internal enum CloseState : byte
{
    /// <summary>Open: frames are queued and sent.</summary>
    Open,

    /// <summary>
    /// The receive side failed (a protocol error or a limit): nothing more is read but the client's close, and
    /// the close waits for the echoes of the messages the client just published (see <c>PushWebSocket.Fail</c>).
    /// Frames are still queued.
    /// </summary>
    Failing,

    /// <summary>A close was asked for: no more frames are queued; what is queued goes out, then the close frame.</summary>
    Closing,

    /// <summary>The close frame is in the pipe, or the connection died: nothing more is sent.</summary>
    Sent,
}
