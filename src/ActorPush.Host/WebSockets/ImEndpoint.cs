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

    public const string AbsoluteForm = "a WebSocket handshake must name its target in origin form (GET /im?... HTTP/1.1), not as an absolute URL";

    public static IResult Handle(HttpContext context)
    {
        // An absolute-form target (GET http://host/im?... HTTP/1.1, what a client configured for a forward proxy
        // sends) is a real handshake the transport did not recognise: say so instead of "not a handshake".
        var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? "/";
        if (!rawTarget.StartsWith('/') && context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase))
            return Results.Text(AbsoluteForm + "\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);

        context.Response.Headers.Upgrade = "websocket";
        return Results.Text(NotAHandshake + "\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status426UpgradeRequired);
    }
}
