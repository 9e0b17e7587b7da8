using Microsoft.AspNetCore.Http;

namespace ActorPush.Host.WebSockets;

/// <summary>
/// <c>/im</c> as the HTTP pipeline sees it. WebSocket handshakes never get here: the transport
/// (<see cref="Transport.PushConnectionMiddleware"/>) answers them at the connection level. What does
/// get here is a request on /im that is not a handshake (no upgrade headers, or an upgrade sent as a
/// later request on a reused keep-alive connection): it gets 426 and a short text.
/// </summary>
internal static class ImEndpoint
{
    public const string NotAHandshake = "/im expects a WebSocket upgrade as the first request on its connection";

    public static IResult Handle(HttpContext context)
    {
        context.Response.Headers.Upgrade = "websocket";
        return Results.Text(NotAHandshake + "\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status426UpgradeRequired);
    }
}
