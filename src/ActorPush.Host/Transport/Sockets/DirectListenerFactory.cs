using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ActorPush.Host.Transport.Sockets;

/// <summary>
/// Kestrel's transport, replaced: ActorPush accepts the sockets itself. A connection whose first request is a
/// WebSocket handshake on <c>/im</c> is served on the socket directly (<see cref="DirectConnection"/>, driven by the
/// <see cref="PushConnectionMiddleware"/> and a <see cref="PushWebSocket"/>), and never becomes a Kestrel connection;
/// any other is handed to Kestrel untouched, as a connection of Kestrel's own socket transport
/// (<see cref="SocketConnectionContextFactory"/>), and ASP.NET Core serves it. Kestrel sees only the HTTP traffic.
/// </summary>
/// <remarks>
/// Why: in a reconnect storm about three quarters of the bytes a new WebSocket kept were Kestrel's (its socket
/// connection, two pipes, their readers, writers and segment pools, its loops and its connection manager's entry),
/// and the GC copied each of them twice (docs/performance.md). The listen socket takes Kestrel's settings: its
/// backlog (<c>actorpush.listen-backlog</c>), read-ahead and inline scheduling (<see cref="SocketTransportOptions"/>).
/// Only TCP endpoints (<see cref="ListenAddressCheck"/> refuses the others before the start).
/// </remarks>
internal sealed partial class DirectListenerFactory : IConnectionListenerFactory, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly SocketTransportOptions _options;
    private readonly AcceptCap _cap;
    private readonly SocketConnectionContextFactory _kestrel;
    private readonly ILogger _logger;

    public DirectListenerFactory(IServiceProvider services, IOptions<SocketTransportOptions> options, AcceptCap cap, ILoggerFactory loggers)
    {
        _services = services;
        _options = options.Value;
        _cap = cap;
        _logger = loggers.CreateLogger<DirectListenerFactory>();
        _kestrel = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                IOQueueCount = _options.IOQueueCount,
                WaitForDataBeforeAllocatingBuffer = _options.WaitForDataBeforeAllocatingBuffer,
                MaxReadBufferSize = _options.MaxReadBufferSize,
                MaxWriteBufferSize = _options.MaxWriteBufferSize,
                UnsafePreferInlineScheduling = _options.UnsafePreferInlineScheduling,
            },
            loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
    }

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint)
            throw new NotSupportedException($"ActorPush listens on TCP addresses (http://host:port), not on {endpoint}");
        var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        try
        {
            socket.Listen(_options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var middleware = PushConnectionMiddleware.ForDirectConnections(_services);
        return new ValueTask<IConnectionListener>(new Listener(this, socket, middleware));
    }

    public void Dispose() => _kestrel.Dispose();

    /// <summary>One listening socket: its accept loop, and the queue of connections handed to Kestrel.</summary>
    internal sealed partial class Listener : IConnectionListener
    {
        private readonly DirectListenerFactory _factory;
        private readonly Socket _socket;
        private readonly PushConnectionMiddleware _middleware;
        private readonly Channel<ConnectionContext> _handedOver =
            Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Task _accepting;
        private volatile bool _unbound;

        public Listener(DirectListenerFactory factory, Socket socket, PushConnectionMiddleware middleware)
        {
            _factory = factory;
            _socket = socket;
            _middleware = middleware;
            EndPoint = socket.LocalEndPoint!;
            _accepting = Task.Run(AcceptLoopAsync);
        }

        public EndPoint EndPoint { get; }

        /// <summary>Kestrel's accept: the next connection handed over, or null once unbound.</summary>
        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await _handedOver.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound = true;
            _socket.Dispose(); // ends the accept loop; open connections stay (ShutdownDrain closes them with 1001)
            _handedOver.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            await UnbindAsync().ConfigureAwait(false);
            await _accepting.ConfigureAwait(false);
        }

        /// <summary>Gives <paramref name="socket"/> to Kestrel; its slot of the accept cap goes with it (released when ASP.NET Core is done).</summary>
        public void HandOver(Socket socket)
        {
            var connection = _factory._kestrel.Create(socket);
            _factory._cap.Keep();
            if (_handedOver.Writer.TryWrite(connection))
                return;
            _factory._cap.Leave(); // unbound meanwhile: nobody serves it
            connection.Abort(new ConnectionAbortedException("the server stopped listening"));
            _ = connection.DisposeAsync().AsTask();
        }

        /// <summary>
        /// Accepts until unbound. Each connection starts on the loop's thread and runs until its first wait (usually
        /// the join of its ClientActor), so a connect costs no hop to another thread. An accept that had to wait
        /// resumes on the thread pool, not on the socket engine's I/O thread, which a burst of ready connections
        /// would otherwise hold (see <see cref="InlineIo"/>).
        /// </summary>
        private async Task AcceptLoopAsync()
        {
            while (!_unbound)
            {
                Socket socket;
                try
                {
                    var accept = _socket.AcceptAsync(CancellationToken.None);
                    if (accept.IsCompleted)
                    {
                        socket = accept.Result;
                    }
                    else
                    {
                        socket = await accept.ConfigureAwait(false);
                        await Task.Yield();
                    }
                }
                catch (Exception e) when (_unbound && e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                {
                    continue; // the client gave up before we took it
                }
                catch (SocketException e)
                {
                    LogAcceptFailed(_factory._logger, EndPoint, e.SocketErrorCode, e.Message);
                    await Task.Delay(10).ConfigureAwait(false); // out of descriptors or memory: let some close first
                    continue;
                }

                try
                {
                    socket.NoDelay = true;
                }
                catch (SocketException)
                {
                    socket.Dispose(); // reset before we took it
                    continue;
                }

                if (!_factory._cap.TryEnter())
                {
                    socket.Dispose(); // the node holds its accept cap (actorpush.limits.max-tcp-connections)
                    continue;
                }

                _ = _middleware.RunAsync(new DirectConnection(socket, this));
            }
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting on {EndPoint} failed ({Error}: {Reason}); retrying")]
        private static partial void LogAcceptFailed(ILogger logger, EndPoint endPoint, SocketError error, string reason);
    }
}

/// <summary>Registers <see cref="DirectListenerFactory"/> as Kestrel's only transport.</summary>
internal static class DirectSockets
{
    public static void ReplaceKestrelTransport(IServiceCollection services)
    {
        foreach (var registration in services.Where(s => s.ServiceType == typeof(IConnectionListenerFactory)).ToList())
            services.Remove(registration);
        services.AddSingleton<DirectListenerFactory>();
        services.AddSingleton<IConnectionListenerFactory>(provider => provider.GetRequiredService<DirectListenerFactory>());
    }
}
