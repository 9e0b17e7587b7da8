namespace ActorPush.Host.Api;

/// <summary>The server-side HTTP API under <c>/api</c> (broadcast, per-user and per-topic pushes, presence, stats).</summary>
internal static class PushApiEndpoints
{
    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder endpoints)
    {
        // Routes are added with the server push API (issue: server push API, topics, auth and limits).
        return endpoints;
    }
}
