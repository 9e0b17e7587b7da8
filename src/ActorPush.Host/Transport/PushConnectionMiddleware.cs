using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;
using ActorPush.Host.Access;
using ActorPush.Host.Configuration;
using ActorPush.Host.Handshake;
using ActorPush.Host.Sessions;
using ActorPush.Host.Transport.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorPush.Host.Transport;

/// <summary>
/// The handshake and the clean-up of every connection <see cref="DirectListenerFactory"/> accepts. It looks at the
/// first bytes of each: a WebSocket handshake on <c>GET /im</c> is answered here (policy check, 101, then
/// <see cref="PushWebSocket"/> on the socket); every other request, and a plain GET on /im without upgrade
/// headers, goes to Kestrel and ASP.NET Core untouched (the head was only peeked, nothing consumed).
/// </summary>
internal sealed partial class PushConnectionMiddleware : IConnectionLifecycle
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private static ReadOnlySpan<byte> SwitchingProtocolsHead =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "u8;

    private static ReadOnlySpan<byte> V1ProtocolHeader => "\r\nSec-WebSocket-Protocol: actorpush.v1"u8;

    private readonly ConnectionDelegate _next;
    private readonly IServiceProvider _services;
    private readonly ActorPushSettings _settings;
    private readonly HandshakePolicy _policy;
    private readonly ConnectionTracker _tracker;
    private readonly TransportContext _transport;
    private readonly ILogger _logger;
    private readonly CutLog _cuts;
    private readonly TrustedProxies _proxies;
    private readonly AcceptCap _cap;
    private Task<ClientSessionContext>? _sessionContext;

    private PushConnectionMiddleware(ConnectionDelegate next, IServiceProvider services)
    {
        _next = next;
        _services = services;
        _settings = services.GetRequiredService<ActorPushSettings>();
        _policy = services.GetRequiredService<HandshakePolicy>();
        _tracker = services.GetRequiredService<ConnectionTracker>();
        _transport = new TransportContext(_settings, _tracker);
        _logger = services.GetRequiredService<ILogger<PushConnectionMiddleware>>();
        _cuts = new CutLog(services.GetRequiredService<ILogger<CutLog>>());
        _proxies = services.GetService<TrustedProxies>() ?? TrustedProxies.None;
        _cap = services.GetRequiredService<AcceptCap>();
    }

    /// <summary>
    /// Most bytes a connection's reader holds unconsumed: the direct reader's limit (<see cref="SocketInput"/>), and the
    /// read-ahead of the HTTP connections Kestrel serves (its input pipe's pause mark; Kestrel's default is 1 MiB). The
    /// receive loop copies partial frames as they come, so it never needs more; the rest waits in the kernel.
    /// </summary>
    public const int ReadAheadLimit = 64 * 1024;

    /// <summary>
    /// The middleware for the connections <see cref="DirectListenerFactory"/> accepts: what is not a WebSocket
    /// handshake on /im is handed to Kestrel with its socket untouched (<see cref="DirectConnection.HandOverAsync"/>).
    /// </summary>
    public static PushConnectionMiddleware ForDirectConnections(IServiceProvider services) =>
        new(static connection => ((DirectConnection)connection).HandOverAsync(), services);

    /// <summary>
    /// Kestrel's side, in front of every endpoint: it only ever gets the connections handed over (HTTP), which keep
    /// the slot of the accept cap taken when they were accepted until ASP.NET Core is done with them.
    /// </summary>
    public static void Install(KestrelServerOptions kestrel) =>
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next =>
        {
            var cap = kestrel.ApplicationServices.GetRequiredService<AcceptCap>();
            return connection => ServeHandedOverAsync(next, connection, cap);
        }));

    private static async Task ServeHandedOverAsync(ConnectionDelegate next, ConnectionContext connection, AcceptCap cap)
    {
        try
        {
            await next(connection);
        }
        finally
        {
            cap.Leave();
        }
    }

    /// <summary>Kestrel's socket transport reads at most <see cref="ReadAheadLimit"/> ahead on a connection.</summary>
    public static void LimitReadAhead(Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions sockets) =>
        sockets.MaxReadBufferSize = ReadAheadLimit;

    // Every connection runs as a PushWebSocket from its first byte: the socket calls back into OpenAsync
    // for the handshake and into Closed at the end, so an open connection holds one async state machine.
    // Each comes with a slot of the accept cap, held until OpenAsync turns it down or Closed.
    public Task RunAsync(DirectConnection connection) => new PushWebSocket(connection, _transport).RunAsync(this);

    // The handshake is two async methods (this one, and ReadHandshakeAsync while the head is read), so a connect
    // waiting somewhere holds at most two state machines; they come from a pool when one is free (under a storm of
    // connects most are in flight at once). Only the connection's own RunAsync keeps one for its life.
    //
    // Opening: read and check the head, start the session, wait until its ClientActor is in the broadcast set, then
    // answer 101, so that a client never misses a broadcast published after its handshake completed. One deadline
    // covers the head (408 when it passes) and, re-armed, the join (503).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> OpenAsync(PushWebSocket socket)
    {
        var connection = socket.Connection;
        var opened = false;
        var deadline = new CancellationTokenSource(HandshakeTimeout);
        try
        {
            if (await ReadHandshakeAsync(connection, deadline.Token) is not { } accepted)
                return false;
            var sessionContext = await (_sessionContext ??= ClientSessionContext.ResolveAsync(_services, CancellationToken.None));
            var joined = StartSession(socket, accepted, sessionContext);
            try
            {
                deadline.CancelAfter(HandshakeTimeout); // re-arms the same timer: the join gets its own 10 s
                // A join that is already done needs no registration on the deadline.
                using (joined.IsCompleted ? default : deadline.Token.UnsafeRegister(static state => ((PushWebSocket)state!).JoinTimedOut(), socket))
                    await joined;
                await WriteSwitchingProtocolsAsync(connection.Transport.Output, accepted.Key, accepted.V1);
            }
            catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
            {
                socket.Handler!.End();
                if (joined.IsCanceled) // the deadline came first
                    await RefuseAsync(connection, 503, "server busy: the connection could not be registered in time", v1Key: accepted.V1 ? accepted.Key : null);
                return false;
            }

            socket.Start();
            _tracker.Add(socket);
            _transport.Metrics!.Handshake(101);
            LogConnected(_logger, accepted.Accepted.UserId, connection.ConnectionId, ClientEndPoint(connection, socket.Handler as ClientSession));
            opened = true;
            return true;
        }
        finally
        {
            deadline.Dispose();
            if (!opened)
                _cap.Leave(); // refused, timed out, failed, or an HTTP connection that ASP.NET Core served to its end
        }
    }

    /// <summary>Starts the accepted connection's session (its ClientActor); returns the task of its joining the broadcast.</summary>
    private Task StartSession(PushWebSocket socket, (Accepted Accepted, string Key, bool V1) accepted, ClientSessionContext sessionContext)
    {
        try
        {
            _transport.Attach(sessionContext);
            if (accepted.V1)
            {
                // The welcome is queued first, so it leaves right behind the 101, before any message.
                socket.Enveloped = true;
                socket.TrySend([EnvelopeRequests.Welcome(socket.Connection.ConnectionId, accepted.Accepted, _settings)], flush: false);
            }

            return socket.OpenSession(accepted.Accepted.UserId, (accepted.Accepted, sessionContext, accepted.V1),
                static (self, session) => ClientSession.Start(session.Accepted, self, session.sessionContext, session.V1));
        }
        catch
        {
            accepted.Accepted.Lease?.Dispose(); // no session owns the connection's slot
            throw;
        }
    }

    public void Closed(PushWebSocket socket)
    {
        _cap.Leave();
        _tracker.Remove(socket);
        socket.Handler!.End();
        var code = socket.CloseCode;
        var aborted = socket.Aborted;
        _transport.Metrics!.Disconnected(code, aborted);
        var connection = socket.Connection;
        var remote = ClientEndPoint(connection, socket.Handler as ClientSession); // the session this middleware made
        if (aborted)
            LogAborted(_logger, socket.UserId!, connection.ConnectionId, remote);
        else if (code is CloseCodes.Normal or CloseCodes.GoingAway)
            LogDisconnected(_logger, socket.UserId!, connection.ConnectionId, remote, code);
        else if (code is not (CloseCodes.SlowConsumer or CloseCodes.RateLimited)) // those two: CutLog, rate-limited
            LogCutOff(_logger, socket.UserId!, connection.ConnectionId, remote, code, socket.CloseReason);
        _cuts.Closed(socket.UserId!, connection.ConnectionId, code);
    }

    /// <summary>Where a connection's client is, for logs: the address its handshake resolved (a trusted proxy's client), else the TCP peer.</summary>
    private static EndPoint? ClientEndPoint(ConnectionContext connection, ClientSession? session) =>
        session?.Address is { } address && connection.RemoteEndPoint is IPEndPoint peer && !address.Equals(peer.Address)
            ? new IPEndPoint(address, 0)
            : connection.RemoteEndPoint;

    /// <summary>
    /// Reads and checks the handshake. Returns the accepted user and key, or null when the request was
    /// handed to ASP.NET Core or answered here: refused, or past its <paramref name="deadline"/> (408). The deadline is not
    /// linked to ConnectionClosed: a peer that goes away completes the read anyway, and a link would leave a registration
    /// on the connection's token for the whole life of the connection.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(Accepted Accepted, string Key, bool V1)?> ReadHandshakeAsync(ConnectionContext connection, CancellationToken deadline)
    {
        try
        {
            var input = connection.Transport.Input;
            ReadResult result;

            // 1. Sniff: is the first request a GET on /im at all? Look, consume nothing.
            while (true)
            {
                result = await input.ReadAsync(deadline);
                var sniff = HandshakeParser.SniffRequest(result.Buffer);
                if (sniff == HandshakeParser.Sniff.Ours)
                    break;
                if (sniff == HandshakeParser.Sniff.NeedMore && !result.IsCompleted)
                {
                    input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    continue;
                }

                input.AdvanceTo(result.Buffer.Start);
                await _next(connection);
                return null;
            }

            // 2. Read the whole head, within limits.
            SequencePosition endOfHead;
            while (!HandshakeParser.TryFindHead(result.Buffer, out endOfHead, out var tooLarge))
            {
                if (tooLarge || result.IsCompleted)
                {
                    input.AdvanceTo(result.Buffer.End);
                    if (tooLarge)
                        await RefuseAsync(connection, 431, "request head too large");
                    return null;
                }

                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                result = await input.ReadAsync(deadline);
            }

            // 3. Parse and check it.
            var head = result.Buffer.Slice(0, endOfHead);
            var parsed = HandshakeParser.Parse(head.Slice(0, head.Length - 4), out var problem);
            if (parsed is { IsUpgrade: false })
            {
                input.AdvanceTo(result.Buffer.Start); // a plain GET /im: ASP.NET Core answers it
                await _next(connection);
                return null;
            }

            input.AdvanceTo(endOfHead);
            var refusal = parsed is null ? (400, problem!, "") : CheckUpgrade(parsed);
            if (refusal is { } refuse)
            {
                await RefuseAsync(connection, refuse.Status, refuse.Text, refuse.Headers);
                return null;
            }

            // actorpush.v1 clients may hand their token over as a second subprotocol value instead of ?token=.
            var subprotocols = Subprotocols.Read(parsed!.Protocols);
            if (subprotocols.Token is { } token && !parsed.Query.ContainsKey("token"))
                parsed.Query["token"] = token;

            var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
            var forwarding = parsed.Forwarding;
            var remote = ClientAddress.Resolve(peer, forwarding.Forwarded, forwarding.XForwardedFor, forwarding.XRealIp, _proxies).Address;
            var decision = await _policy.EvaluateAsync(new HandshakeRequest(parsed.Query, parsed.Origin, remote), deadline);
            if (decision is Refused refused)
            {
                await RefuseAsync(connection, refused.Status, refused.Text, v1Key: subprotocols.V1 ? parsed.Key : null);
                return null;
            }

            return ((Accepted)decision, parsed.Key!, subprotocols.V1);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            LogHandshakeTimedOut(_logger, connection.ConnectionId, connection.RemoteEndPoint);
            await TryRespondAsync(connection, 408, "the request head did not arrive within 10 s"); // as Kestrel answers a slow head
            return null;
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            return null; // the peer went away during the handshake: nothing to answer
        }
    }

    private static (int Status, string Text, string Headers)? CheckUpgrade(ParsedHandshake parsed)
    {
        if (parsed.HasBody)
            return (400, "a WebSocket handshake has no body", "");
        if (parsed.Version != "13")
            return (426, "only WebSocket version 13 is supported", "Sec-WebSocket-Version: 13\r\n");
        if (!IsValidKey(parsed.Key))
            return (400, "Sec-WebSocket-Key is missing or malformed", "");
        return null;
    }

    private static bool IsValidKey(string? key) => key is not null && AcceptKey.IsValidKey(key);

    /// <summary>
    /// Refuses a handshake the policy turned down. A client that asked for actorpush.v1 cannot see an HTTP status
    /// (a browser reports a failed upgrade as an opaque 1006), so for the statuses it acts on it gets the upgrade
    /// and then at once a close frame with 4000 + status and the same text; everyone else gets the status.
    /// </summary>
    private static async Task RefuseV1Async(ConnectionContext connection, int status, string text, string? v1Key)
    {
        if (v1Key is null || Subprotocols.RefusalCloseCode(status) is not { } code)
        {
            await RespondAsync(connection, status, text);
            return;
        }

        var output = connection.Transport.Output;
        WriteSwitchingProtocols(output, v1Key, v1: true);
        var reason = Encoding.UTF8.GetBytes(text);
        var reasonLength = Math.Min(reason.Length, 123);
        while (reasonLength < reason.Length && reasonLength > 0 && (reason[reasonLength] & 0xC0) == 0x80)
            reasonLength--; // cut at a character boundary
        var span = output.GetSpan(4 + reasonLength);
        span[0] = 0x88;
        span[1] = (byte)(2 + reasonLength);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(span[2..], code);
        reason.AsSpan(0, reasonLength).CopyTo(span[4..]);
        output.Advance(4 + reasonLength);
        await output.FlushAsync();
        await output.CompleteAsync();
    }

    /// <summary>Writes the 101 response straight into the pipe (no strings on the way) and flushes it.</summary>
    private static ValueTask<FlushResult> WriteSwitchingProtocolsAsync(PipeWriter output, string key, bool v1)
    {
        WriteSwitchingProtocols(output, key, v1);
        return output.FlushAsync();
    }

    private static void WriteSwitchingProtocols(PipeWriter output, string key, bool v1)
    {
        var head = SwitchingProtocolsHead;
        var protocol = v1 ? V1ProtocolHeader : [];
        var span = output.GetSpan(head.Length + AcceptKey.AcceptLength + protocol.Length + 4);
        head.CopyTo(span);
        var acceptLength = AcceptKey.Write(key, span[head.Length..]);
        var length = head.Length + acceptLength;
        protocol.CopyTo(span[length..]);
        length += protocol.Length;
        "\r\n\r\n"u8.CopyTo(span[length..]);
        output.Advance(length + 4);
    }

    /// <summary>Counts and logs a refused handshake, then answers it (<see cref="RespondAsync"/>, or <see cref="RefuseV1Async"/>
    /// for an actorpush.v1 client).</summary>
    private async Task RefuseAsync(ConnectionContext connection, int status, string text, string extraHeaders = "", string? v1Key = null)
    {
        LogRefused(_logger, connection.ConnectionId, connection.RemoteEndPoint, status, text);
        var context = await (_sessionContext ??= ClientSessionContext.ResolveAsync(_services, CancellationToken.None));
        PushMetrics.Get(context.System).Handshake(status);
        if (v1Key is not null)
            await RefuseV1Async(connection, status, text, v1Key);
        else
            await RespondAsync(connection, status, text, extraHeaders);
    }

    /// <summary>Refuses the handshake with an HTTP status and a short text, then closes the connection.</summary>
    private static async Task RespondAsync(ConnectionContext connection, int status, string text, string extraHeaders = "")
    {
        var body = Encoding.UTF8.GetBytes(text + "\n");
        var head = $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\n" +
                   "Content-Type: text/plain; charset=utf-8\r\n" +
                   $"Content-Length: {body.Length}\r\n{extraHeaders}Connection: close\r\n\r\n";
        var output = connection.Transport.Output;
        output.Write(Encoding.ASCII.GetBytes(head));
        output.Write(body);
        await output.FlushAsync();
        await output.CompleteAsync();
    }

    /// <summary><see cref="RespondAsync"/> to a peer that may be gone already: a failed write is nothing to report.</summary>
    private static async Task TryRespondAsync(ConnectionContext connection, int status, string text)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await RespondAsync(connection, status, text).WaitAsync(deadline.Token);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            // the peer went away or does not read: the connection is closed either way
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connected: user {UserId}, connection {ConnectionId} from {RemoteAddress}")]
    private static partial void LogConnected(ILogger logger, string userId, string connectionId, System.Net.EndPoint? remoteAddress);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket closed with {CloseCode}: user {UserId}, connection {ConnectionId} from {RemoteAddress}")]
    private static partial void LogDisconnected(ILogger logger, string userId, string connectionId, System.Net.EndPoint? remoteAddress, ushort closeCode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket lost without a close (peer gone or keepalive timeout): user {UserId}, connection {ConnectionId} from {RemoteAddress}")]
    private static partial void LogAborted(ILogger logger, string userId, string connectionId, System.Net.EndPoint? remoteAddress);

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket cut off with {CloseCode} ({Reason}): user {UserId}, connection {ConnectionId} from {RemoteAddress}")]
    private static partial void LogCutOff(ILogger logger, string userId, string connectionId, System.Net.EndPoint? remoteAddress, ushort closeCode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handshake refused with {Status} ({Reason}): connection {ConnectionId} from {RemoteAddress}")]
    private static partial void LogRefused(ILogger logger, string connectionId, System.Net.EndPoint? remoteAddress, int status, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Handshake timed out: connection {ConnectionId} from {RemoteAddress}")]
    private static partial void LogHandshakeTimedOut(ILogger logger, string connectionId, System.Net.EndPoint? remoteAddress);
}
