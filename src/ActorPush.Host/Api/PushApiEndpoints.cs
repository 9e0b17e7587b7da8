using Akka.Actor;
using ActorPush.Actors;
using ActorPush.Actors.Metrics;
using System.Text.Json;
using ActorPush.Actors.Push;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;
using ActorPush.Host.Transport;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Api;

/// <summary>
/// The server-side HTTP API under <c>/api</c>: broadcast, per-user and per-topic pushes, presence, kicks,
/// server-side subscriptions and stats. Handlers call only the push seam (<see cref="IPushBroker"/>), never an actor, so
/// they work the same on one node or many: pushes and commands are handed over (202, or 503 when the node refuses a
/// publish as overloaded), presence, topic info and stats ask every node with <c>actorpush.api.ask-timeout</c> and the
/// request's cancellation and name the nodes that did not answer. Every call first passes <see cref="ApiAccess"/> (a middleware installed by <see cref="ActorPushServer"/>).
/// docs/api.md documents every route.
/// </summary>
internal static class PushApiEndpoints
{
    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");

        api.MapPost("/broadcast", Broadcast);
        api.MapPost("/users/{userId}/messages", PushToUser);
        api.MapPost("/topics/{topic}/messages", PushToTopic);
        api.MapGet("/users/{userId}", Presence);
        api.MapDelete("/users/{userId}/connections", Kick);
        api.MapPut("/users/{userId}/topics/{topic}", Subscribe);
        api.MapDelete("/users/{userId}/topics/{topic}", Unsubscribe);
        api.MapGet("/topics/{topic}", TopicInfo);
        api.MapGet("/stats", Stats);
        api.MapFallback("{**path}", (HttpRequest request) =>
            ApiResults.Error(StatusCodes.Status404NotFound, $"no API route {request.Method} {request.Path} (see docs/api.md)"));
        return endpoints;
    }

    private static Task<IResult> Broadcast(HttpRequest request, ActorPushSettings settings, [FromServices] IPushBroker push) =>
        PublishAsync(PushTarget.Everyone, request, settings, push);

    private static Task<IResult> PushToUser(HttpRequest request, ActorPushSettings settings, [FromServices] IPushBroker push) =>
        UserProblem(request.HttpContext, 3, out var userId) is { } problem
            ? Task.FromResult(problem)
            : PublishAsync(PushTarget.User(userId), request, settings, push);

    private static Task<IResult> PushToTopic(HttpRequest request, ActorPushSettings settings, [FromServices] IPushBroker push) =>
        TopicProblem(request.HttpContext, 3, out var topic) is { } problem
            ? Task.FromResult(problem)
            : PublishAsync(PushTarget.Topic(topic), request, settings, push);

    private static async Task<IResult> PublishAsync(PushTarget target, HttpRequest request, ActorPushSettings settings, IPushBroker push)
    {
        var (message, error) = await PushBody.ReadAsync(request, settings.MaxMessageSize, request.HttpContext.RequestAborted);
        if (message is null)
            return error!;
        var metrics = PushMetrics.Get(request.HttpContext.RequestServices.GetRequiredService<ActorSystem>());
        if (push.Publish(target, message.Payload, message.Kind) != PublishOutcome.Accepted)
        {
            metrics.ApiPublishRefused();
            return Overloaded(request.HttpContext, target);
        }

        metrics.ApiMessageReceived();
        return Results.Json(new PushAccepted(true, target.ToString(), message.Payload.Length), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>503 with Retry-After: the broadcast mailbox (or the topic mailboxes) are full, nothing was sent; the caller should retry.</summary>
    private static IResult Overloaded(HttpContext http, PushTarget target)
    {
        http.Response.Headers.RetryAfter = "1";
        var bound = target.Kind == PushTargetKind.Topic ? "actorpush.topics.mailbox" : "actorpush.broadcast.mailbox";
        return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, $"the fan-out is full ({bound}): the message was not sent, retry after a second");
    }

    private static async Task<IResult> Presence(HttpContext http, [FromServices] IPushBroker push)
    {
        if (UserProblem(http, 3, out var userId) is { } problem)
            return problem;
        var presence = await push.PresenceAsync(userId, http.RequestAborted);
        return presence.AnyAnswered
            ? Results.Json(new PresenceResponse(presence.UserId, presence.Connections > 0, presence.Connections, Missing(presence)))
            : NoAnswer();
    }

    private static IResult Kick(HttpContext http, [FromServices] IPushBroker push)
    {
        if (UserProblem(http, 3, out var userId) is { } problem)
            return problem;
        push.Kick(userId, CloseCodes.Kicked, CloseCodes.Reasons.Kicked);
        return Results.Json(new UserCommandAccepted(true, userId), statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Subscribe(HttpContext http, [FromServices] IPushBroker push)
    {
        var admission = TopicAdmission.Get(http.RequestServices.GetRequiredService<ActorSystem>());
        return UserTopicCommand(http, push.Subscribe, topic =>
            admission.Refusal(topic) is { } full ? ApiResults.Error(StatusCodes.Status503ServiceUnavailable, full) : null);
    }

    private static IResult Unsubscribe(HttpContext http, [FromServices] IPushBroker push) => UserTopicCommand(http, push.Unsubscribe);

    private static IResult UserTopicCommand(HttpContext http, Action<string, string> command, Func<string, IResult?>? refusal = null)
    {
        if (UserProblem(http, 3, out var userId) is { } userProblem)
            return userProblem;
        if (TopicProblem(http, 5, out var topic) is { } topicProblem)
            return topicProblem;
        if (refusal?.Invoke(topic) is { } refused)
            return refused;
        command(userId, topic);
        return Results.Json(new UserCommandAccepted(true, userId, topic), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> TopicInfo(HttpContext http, [FromServices] IPushBroker push)
    {
        if (TopicProblem(http, 3, out var topic) is { } problem)
            return problem;
        var answer = await push.TopicAsync(topic, http.RequestAborted);
        return answer.AnyAnswered ? Results.Json(new TopicResponse(answer.Topic, answer.Subscribers, Missing(answer))) : NoAnswer();
    }

    /// <summary>
    /// <c>GET /api/stats</c>: counters since start summed over every node that answered, the number of nodes (members
    /// up; 1 when single), each node's own row, and the nodes that did not answer in time.
    /// </summary>
    private static async Task<IResult> Stats(HttpContext http, AcceptCap acceptCap, [FromServices] IPushBroker push)
    {
        var answer = await push.StatsAsync(http.RequestAborted);
        if (!answer.AnyAnswered)
            return NoAnswer();

        // The totals' fields at the top (as a single node always answered), then the cluster's view.
        var json = JsonSerializer.SerializeToNode(answer.Total, JsonSerializerOptions.Web)!.AsObject();
        json.Remove("node");
        json["connectionsRefused"] = acceptCap.Refused; // this node's: refused at accept, before any actor sees a connection
        json["nodes"] = answer.Nodes;
        json["perNode"] = JsonSerializer.SerializeToNode(answer.PerNode, JsonSerializerOptions.Web);
        json["unanswered"] = JsonSerializer.SerializeToNode(answer.Unanswered, JsonSerializerOptions.Web);
        return Results.Json(json);
    }

    private static IReadOnlyList<string>? Missing(ClusterAnswer answer) => answer.Unanswered.Count > 0 ? answer.Unanswered : null;

    private static IResult NoAnswer() =>
        ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "the server did not answer in time (actorpush.api.ask-timeout), try again");

    /// <summary>
    /// Validates the user id at path segment <paramref name="segment"/> (<c>/api/users/{userId}</c> is segment 3).
    /// The id is taken from the request target as sent and percent-decoded exactly once: Kestrel decodes the path
    /// but leaves <c>%2F</c> encoded, so its route value cannot tell <c>a%2Fb</c> (user "a/b") from <c>a%252Fb</c>
    /// (user "a%2Fb").
    /// </summary>
    private static IResult? UserProblem(HttpContext http, int segment, out string userId)
    {
        if (ExactSegment(http, segment) is not { } decoded)
        {
            userId = "";
            return NotCanonical();
        }

        userId = decoded;
        return UserIdRules.Problem(new StringValues(userId)) is { } problem
            ? ApiResults.Error(StatusCodes.Status400BadRequest, problem.Replace("user_id", "userId", StringComparison.Ordinal))
            : null;
    }

    private static IResult? TopicProblem(HttpContext http, int segment, out string topic)
    {
        if (ExactSegment(http, segment) is not { } decoded)
        {
            topic = "";
            return NotCanonical();
        }

        topic = decoded;
        return TopicRules.Problem(topic) is { } problem ? ApiResults.Error(StatusCodes.Status400BadRequest, problem) : null;
    }

    /// <summary>Path segment <paramref name="index"/> of the raw request target, decoded once; null when the raw path
    /// does not line up with the routed one (dot segments or empty segments that Kestrel normalised away).</summary>
    private static string? ExactSegment(HttpContext http, int index)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        if (!raw.StartsWith('/') && raw.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0)
            raw = raw.IndexOf('/', scheme + 3) is var start and >= 0 ? raw[start..] : "/";
        if (raw.IndexOf('?') is var query and >= 0)
            raw = raw[..query];
        var segments = raw.Split('/');
        var routed = http.Request.Path.Value?.Split('/') ?? [];
        if (segments.Length != routed.Length || index >= segments.Length || segments.Any(s => s is "." or ".."))
            return null;
        return Uri.UnescapeDataString(segments[index]);
    }

    private static IResult NotCanonical() =>
        ApiResults.Error(StatusCodes.Status400BadRequest, "the path must not contain dot or empty segments; percent-encode '/' inside a segment as %2F");
}
