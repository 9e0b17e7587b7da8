using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Settings;
using ActorPush.Actors.Transport;
using Microsoft.AspNetCore.Http;

namespace ActorPush.Host.WebSockets;

/// <summary>
/// <c>GET /im?user_id=ID</c>: checks the request, upgrades it, gives the connection a ClientActor and
/// runs it until it closes.
/// </summary>
internal static partial class ImEndpoint
{
    public static async Task HandleAsync(
        HttpContext context,
        ActorPushSettings settings,
        ActorSystem system,
        IRequiredActor<RegistryActor> registry,
        IRequiredActor<BroadcastActor> broadcast,
        IHostApplicationLifetime lifetime,
        ILogger<WebSocketConnection> logger)
    {
        var userIdValues = context.Request.Query["user_id"];
        if (UserIdRules.Problem(userIdValues) is { } problem)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, problem);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await Refuse(context, StatusCodes.Status426UpgradeRequired, "/im expects a WebSocket upgrade");
            return;
        }

        var userId = userIdValues[0]!;
        var registryRef = await registry.GetAsync(context.RequestAborted);
        var onMessage = ClientMessageHandler(settings, await broadcast.GetAsync(context.RequestAborted), PushMetrics.Get(system));

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = settings.KeepAliveInterval,
            KeepAliveTimeout = settings.KeepAliveTimeout,
        });
        var connection = new WebSocketConnection(socket, settings, onMessage);
        var client = system.ActorOf(ClientActor.Props(userId, connection, registryRef));
        using var stopping = lifetime.ApplicationStopping.Register(
            static state => ((IClientConnection)state!).Close(CloseCodes.GoingAway, CloseCodes.Reasons.GoingAway), connection);
        LogConnected(logger, userId);
        try
        {
            await connection.RunAsync();
        }
        finally
        {
            client.Tell(PoisonPill.Instance);
            LogDisconnected(logger, userId, connection.CloseCode);
        }
    }

    private static Action<OutboundFrame> ClientMessageHandler(ActorPushSettings settings, IActorRef broadcast, PushMetrics metrics) =>
        settings.Publish switch
        {
            PublishMode.Broadcast => frame => broadcast.Tell(new Publish(frame), ActorRefs.NoSender),
            _ => _ => metrics.ClientFrameDiscarded(),
        };

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
