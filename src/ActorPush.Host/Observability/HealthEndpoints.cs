using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Actors.Messages;

namespace ActorPush.Host.Observability;

/// <summary>
/// <c>GET /healthz</c> (liveness: the process answers and its actor system does, a registry stats ask within
/// <see cref="LivenessTimeout"/>) and <c>GET /readyz</c> (readiness, <see cref="Readiness"/>). Both answer 200 or 503
/// with a short text, to anyone: they reveal nothing, and load balancers check them from other hosts.
/// </summary>
internal static class HealthEndpoints
{
    public static readonly TimeSpan LivenessTimeout = TimeSpan.FromSeconds(2);

    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", Liveness);
        endpoints.MapGet("/readyz", (Readiness readiness) => readiness.NotReadyBecause() is { } why
            ? Results.Text("not ready: " + why + "\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready\n", "text/plain"));
    }

    private static async Task<IResult> Liveness(HttpContext http, IRequiredActor<RegistryActor> registry)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(LivenessTimeout);
            var actor = await registry.GetAsync(timeout.Token);
            await actor.Ask<RegistryStats>(GetRegistryStats.Instance, LivenessTimeout, timeout.Token);
            return Results.Text("ok\n", "text/plain");
        }
        catch (Exception e) when (e is AskTimeoutException or OperationCanceledException or TaskCanceledException)
        {
            return Results.Text($"the actor system did not answer within {LivenessTimeout.TotalSeconds:0} s\n", "text/plain",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
