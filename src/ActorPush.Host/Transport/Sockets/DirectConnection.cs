using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace ActorPush.Host.Transport.Sockets;

/// <summary>
/// A connection the <see cref="DirectListenerFactory"/> accepted, as <see cref="PushWebSocket"/> sees it: the socket
/// itself behind a reader and a writer (<see cref="SocketInput"/>, <see cref="SocketOutput"/>), with no pipes, no
/// pumps between them and the socket, and nothing of Kestrel's. Three small objects besides the socket, where
/// Kestrel's socket connection holds two pipes with their readers, writers and segment pools, and two loops.
/// </summary>
/// <remarks>
/// <see cref="Abort"/> shuts the socket down, which ends a pending receive and fails a pending send; the socket is
/// closed once both sides are completed. A connection whose first request is not a WebSocket handshake is handed to
/// Kestrel with its socket untouched (<see cref="HandOverAsync"/>); from then on this object owns nothing.
/// </remarks>
internal sealed class DirectConnection : ConnectionContext, IDuplexPipe
{
    private static long s_lastId = DateTime.UtcNow.Ticks;

    private readonly Socket _socket;
    private readonly DirectListenerFactory.Listener? _listener;
    private readonly long _number = Interlocked.Increment(ref s_lastId);
    private string? _id;
    private EndPoint? _remote;
    private IFeatureCollection? _features;
    private IDictionary<object, object?>? _items;
    private int _sidesCompleted;
    private volatile bool _aborted;
    private bool _handedOver;

    /// <param name="listener">Where the socket was accepted, which takes it when it is handed over; null for a socket that cannot be handed over.</param>
    public DirectConnection(Socket socket, DirectListenerFactory.Listener? listener)
    {
        _socket = socket;
        _listener = listener;
        Input = new SocketInput(this);
        Output = new SocketOutput(this);
    }

    public Socket Socket => _socket;

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public override IDuplexPipe Transport
    {
        get => this;
        set => throw new NotSupportedException("a direct connection's transport is its socket");
    }

    /// <summary>Made on first use (the logs, the welcome envelope): Kestrel's form, 13 base-32 characters of a counter.</summary>
    public override string ConnectionId
    {
        get => _id ??= Base32(_number);
        set => _id = value;
    }

    public override IFeatureCollection Features => _features ??= new FeatureCollection();

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get
        {
            if (_remote is null)
            {
                try
                {
                    _remote = _socket.RemoteEndPoint;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return null;
                }
            }

            return _remote;
        }
        set => _remote = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _listener?.EndPoint;
        set { }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (_handedOver)
            return;
        _aborted = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // gone already
        }
    }

    public override ValueTask DisposeAsync()
    {
        Input.Complete();
        Output.Complete();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The first request is not a WebSocket handshake: its socket goes to Kestrel as it is (nothing was consumed, the
    /// head was only peeked), and ASP.NET Core serves the connection from here on.
    /// </summary>
    public Task HandOverAsync()
    {
        if (_listener is null)
            throw new InvalidOperationException("this connection has no listener to hand it over to");
        try
        {
            _listener.HandOver(_socket);
            _handedOver = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the peer is gone already: the socket stays ours and closes with this connection
        }

        return Task.CompletedTask;
    }

    /// <summary>One side is completed; with both, the socket is closed (unless Kestrel has it now).</summary>
    internal void SideCompleted()
    {
        if (Interlocked.Increment(ref _sidesCompleted) != 2 || _handedOver)
            return;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the peer reset it, or an abort shut it down already
        }

        _socket.Dispose();
    }

    internal void ThrowIfAborted()
    {
        if (_aborted)
            throw new ConnectionAbortedException("the connection was aborted");
    }

    /// <summary>What a failed socket call means to the transport: the connection was aborted here, or reset by the peer.</summary>
    internal Exception Translate(Exception e) =>
        _aborted || e is ObjectDisposedException
            ? new ConnectionAbortedException("the connection was aborted", e)
            : new ConnectionResetException(e.Message, e);

    private static string Base32(long value)
    {
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
        return string.Create(13, value, static (chars, number) =>
        {
            for (var i = chars.Length - 1; i >= 0; i--, number >>= 5)
                chars[i] = digits[(int)(number & 31)];
        });
    }
}
