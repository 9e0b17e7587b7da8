using ActorPush.Actors.Settings;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;
using ActorPush.Host.Sessions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.WebSockets;

/// <summary>
/// <c>GET /im?user_id=ID</c>: asks the <see cref="HandshakePolicy"/>, upgrades, starts a
/// <see cref="ClientSession"/> and runs the connection until it closes.
/// </summary>
internal static partial class ImEndpoint
{
    public static async Task HandleAsync(
        HttpContext context,
        ActorPushSettings settings,
        HandshakePolicy policy,
        IHostApplicationLifetime lifetime,
        ILogger<WebSocketConnection> logger)
    {
        var request = new HandshakeRequest(
            context.Request.Query.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal),
            context.Request.Headers.Origin.Count > 0 ? context.Request.Headers.Origin.ToString() : null,
            context.Connection.RemoteIpAddress);
        var decision = await policy.EvaluateAsync(request, context.RequestAborted);
        if (decision is Refused refused)
        {
            await Refuse(context, refused.Status, refused.Text);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await Refuse(context, StatusCodes.Status426UpgradeRequired, "/im expects a WebSocket upgrade");
            return;
        }

        var accepted = (Accepted)decision;
        var sessionContext = await ClientSessionContext.ResolveAsync(context.RequestServices, context.RequestAborted);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout,
        });
        ClientSession? session = null;
        var connection = new WebSocketConnection(socket, settings, frame => session!.OnMessage(frame), context.Abort);
        session = ClientSession.Start(accepted, connection, sessionContext);
        using var stopping = lifetime.ApplicationStopping.Register(
            static state => ((IClientConnection)state!).Close(CloseCodes.GoingAway, CloseCodes.Reasons.GoingAway), connection);
        LogConnected(logger, accepted.UserId);
        try
        {
            await connection.RunAsync();
        }
        finally
        {
            session.End();
            LogDisconnected(logger, accepted.UserId, connection.CloseCode);
        }
    }

    private static Task Refuse(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connected for {UserId}")]
    private static partial void LogConnected(ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket of {UserId} ended (close code {CloseCode})")]
    private static partial void LogDisconnected(ILogger logger, string userId, ushort closeCode);
}
