using System.IO.Pipelines;
using ActorPush.Actors.Transport;
using ActorPush.Host.Configuration;
using Microsoft.AspNetCore.Connections;

namespace ActorPush.Host.Transport;

/// <summary>
/// One WebSocket connection, framed by hand (RFC 6455) directly on its socket's reader and writer
/// (<see cref="Sockets.DirectConnection"/>): no HTTP request state survives the upgrade, and an idle connection
/// holds no buffer (its pending zero-byte receive holds none). A thin
/// driver of parts kept inline as fields, so they cost no allocations: the <see cref="FrameReader"/> turns
/// bytes into messages, which go up to the <see cref="IConnectionHandler"/> (PushWebSocket.Receive.cs); the
/// <see cref="OutboundQueue"/> and its pump move frames into the pipe, one flush per batch (PushWebSocket.Send.cs);
/// <see cref="CloseState"/> is the close handshake. The receive loop runs for the connection's whole life; the
/// pump runs only while something is queued. A close that does not finish within
/// <c>actorpush.client.close-timeout</c> aborts the connection.
/// </summary>
internal sealed partial class PushWebSocket : IClientConnection
{
    private readonly ConnectionContext _connection;
    private readonly TransportContext _shared;
    private IConnectionHandler? _handler;
    private TaskCompletionSource? _joined;

    // Guarded by locking this object (internal; nothing else locks it: a separate lock object would cost every
    // connection another allocation).
    private OutboundQueue _outbound;
    private CloseState _close;
    private ushort _closeCode;
    private string _closeReason = "";
    private TaskCompletionSource? _sendDone; // set once the close frame is out (or the connection died)
    private TaskCompletionSource? _pongWritten; // a receive loop paused until the pending pong is in the pipe
    private bool _pumping;
    private bool _started;
    private bool _aborted; // torn down before any close began (metrics: disconnects by code "abort")
    private volatile bool _finished;
    private int _echoesAwaited; // messages this client published whose echo is not queued yet (Interlocked)

    // Receive loop only.
    private FrameReader _reader;
    private bool _receivePaused; // backpressure: the receive loop stopped after a message until the fan-out catches up

    // Keepalive (see ConnectionTracker): when we last read anything, and when our unanswered ping left.
    private long _lastReceived = Environment.TickCount64;
    private long _pingSentAt;

    public PushWebSocket(ConnectionContext connection, TransportContext shared)
    {
        _connection = connection;
        _shared = shared;
    }

    public ConnectionContext Connection => _connection;

    /// <summary>Where the <see cref="ConnectionTracker"/> keeps this socket; -1 while untracked. Guarded by the tracker.</summary>
    public int TrackerIndex { get; set; } = -1;

    /// <summary>The user this connection belongs to, once its session is open.</summary>
    public string? UserId { get; private set; }

    /// <summary>What the connection's messages go up to, once its session is open.</summary>
    public IConnectionHandler? Handler => _handler;

    /// <summary>The client asked for actorpush.v1: every message goes out as its shared envelope (<see cref="OutboundFrame.Enveloped"/>).</summary>
    public bool Enveloped { get; set; }

    /// <summary>The close code this side sent (or echoed); 0 while open.</summary>
    public ushort CloseCode
    {
        get
        {
            lock (this)
                return _close >= CloseState.Closing ? _closeCode : (ushort)0;
        }
    }

    /// <summary>The reason text of the close this side sent (or echoed); empty while open.</summary>
    public string CloseReason
    {
        get
        {
            lock (this)
                return _close >= CloseState.Closing ? _closeReason : "";
        }
    }

    /// <summary>The memory of the frames queued for sending (read without the lock: a snapshot).</summary>
    public long QueuedBytes => _outbound.Bytes;

    /// <summary>Whether the connection was torn down before any close handshake began.</summary>
    public bool Aborted => Volatile.Read(ref _aborted);

    private ActorPushSettings Settings => _shared.Settings;

    // The connection's reader and writer, looked up on use rather than held: two fewer fields on every connection.
    private PipeReader Input => _connection.Transport.Input;

    private PipeWriter Output => _connection.Transport.Output;

    /// <summary>
    /// Opens the connection's session with <paramref name="start"/> (which starts its ClientActor from <paramref name="state"/>)
    /// and returns a task that completes once the actor joined the broadcast (see <see cref="Joined"/>).
    /// </summary>
    public Task OpenSession<TState>(string userId, TState state, Func<IClientConnection, TState, IConnectionHandler> start)
    {
        UserId = userId;
        var joined = _joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _handler = start(this, state);
        return joined.Task;
    }

    public void Joined() => _joined?.TrySetResult();

    /// <summary>The handshake's deadline passed before <see cref="Joined"/>: the task <see cref="OpenSession"/> returned is canceled.</summary>
    public void JoinTimedOut() => _joined?.TrySetCanceled();

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
            if ((_outbound.IsEmpty && _close == CloseState.Open) || !StartPumpLocked())
                return;
        }

        SchedulePump();
    }

    /// <summary>Tears the TCP connection down at once.</summary>
    public void Abort(string why)
    {
        if (_finished)
            return;
        lock (this)
            _aborted |= _close == CloseState.Open;
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

    private Task SendDone()
    {
        lock (this)
            return _sendDone!.Task;
    }

    private static bool IsConnectionEnd(Exception e) =>
        e is IOException or OperationCanceledException or ObjectDisposedException or ConnectionResetException
            or ConnectionAbortedException;
}
