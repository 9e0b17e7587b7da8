using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Api;

/// <summary>
/// The server-side HTTP API under <c>/api</c>: broadcast, per-user and per-topic pushes, presence, kicks,
/// server-side subscriptions and stats. Handlers reach the actors through Akka.Hosting's <see cref="IRequiredActor{TActor}"/>;
/// pushes and commands are told (202 once handed over), only presence and stats ask, with
/// <c>actorpush.api.ask-timeout</c> and the request's cancellation. Every call first passes <see cref="ApiAccess"/> (a middleware installed by <see cref="ActorPushServer"/>).
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

    private static async Task<IResult> Broadcast(
        HttpRequest request, ActorPushSettings settings, [FromServices] IRequiredActor<BroadcastActor> broadcast)
    {
        var (frame, error) = await PushBody.ReadAsync(request, settings.MaxMessageSize, request.HttpContext.RequestAborted);
        if (frame is null)
            return error!;
        (await broadcast.GetAsync(request.HttpContext.RequestAborted)).Tell(new Publish(frame), ActorRefs.NoSender);
        return Results.Json(new PushAccepted(true, "broadcast", frame.Payload.Length), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> PushToUser(
        HttpRequest request, ActorPushSettings settings, [FromServices] IRequiredActor<RegistryActor> registry)
    {
        if (UserProblem(request.HttpContext, 3, out var userId) is { } problem)
            return problem;
        var (frame, error) = await PushBody.ReadAsync(request, settings.MaxMessageSize, request.HttpContext.RequestAborted);
        if (frame is null)
            return error!;
        (await registry.GetAsync(request.HttpContext.RequestAborted)).Tell(new Actors.Messages.PushToUser(userId, frame), ActorRefs.NoSender);
        return Results.Json(new PushAccepted(true, "user:" + userId, frame.Payload.Length), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> PushToTopic(
        HttpRequest request, ActorPushSettings settings, [FromServices] IRequiredActor<TopicsActor> topics)
    {
        if (TopicProblem(request.HttpContext, 3, out var topic) is { } problem)
            return problem;
        var (frame, error) = await PushBody.ReadAsync(request, settings.MaxMessageSize, request.HttpContext.RequestAborted);
        if (frame is null)
            return error!;
        (await topics.GetAsync(request.HttpContext.RequestAborted)).Tell(new PublishToTopic(topic, frame), ActorRefs.NoSender);
        return Results.Json(new PushAccepted(true, "topic:" + topic, frame.Payload.Length), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Presence(
        HttpContext http, ActorPushSettings settings, [FromServices] IRequiredActor<RegistryActor> registry)
    {
        if (UserProblem(http, 3, out var userId) is { } problem)
            return problem;
        var presence = await AskAsync<UserPresence>(registry.GetAsync(http.RequestAborted), new GetUserPresence(userId), settings, http.RequestAborted);
        return presence is null
            ? NoAnswer()
            : Results.Json(new PresenceResponse(presence.UserId, presence.Online, presence.Connections));
    }

    private static async Task<IResult> Kick(HttpContext http, [FromServices] IRequiredActor<RegistryActor> registry)
    {
        if (UserProblem(http, 3, out var userId) is { } problem)
            return problem;
        (await registry.GetAsync(http.RequestAborted)).Tell(
            new DisconnectUser(userId, CloseCodes.Kicked, CloseCodes.Reasons.Kicked), ActorRefs.NoSender);
        return Results.Json(new UserCommandAccepted(true, userId), statusCode: StatusCodes.Status202Accepted);
    }

    private static Task<IResult> Subscribe(HttpContext http, [FromServices] IRequiredActor<RegistryActor> registry) =>
        UserTopicCommand(http, registry, (user, name) => new SubscribeUser(user, name));

    private static Task<IResult> Unsubscribe(HttpContext http, [FromServices] IRequiredActor<RegistryActor> registry) =>
        UserTopicCommand(http, registry, (user, name) => new UnsubscribeUser(user, name));

    private static async Task<IResult> UserTopicCommand(
        HttpContext http, IRequiredActor<RegistryActor> registry, Func<string, string, object> command)
    {
        if (UserProblem(http, 3, out var userId) is { } userProblem)
            return userProblem;
        if (TopicProblem(http, 5, out var topic) is { } topicProblem)
            return topicProblem;
        (await registry.GetAsync(http.RequestAborted)).Tell(command(userId, topic), ActorRefs.NoSender);
        return Results.Json(new UserCommandAccepted(true, userId, topic), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> TopicInfo(
        HttpContext http, ActorPushSettings settings, [FromServices] IRequiredActor<TopicsActor> topics)
    {
        if (TopicProblem(http, 3, out var topic) is { } problem)
            return problem;
        var answer = await AskAsync<TopicSubscribers>(topics.GetAsync(http.RequestAborted), new GetTopicSubscribers(topic), settings, http.RequestAborted);
        return answer is null ? NoAnswer() : Results.Json(new TopicResponse(answer.Topic, answer.Subscribers));
    }

    private static async Task<IResult> Stats(
        HttpContext http,
        ActorPushSettings settings,
        ActorSystem system,
        [FromServices] IRequiredActor<RegistryActor> registry,
        [FromServices] IRequiredActor<TopicsActor> topics)
    {
        var registryStats = AskAsync<RegistryStats>(registry.GetAsync(http.RequestAborted), GetRegistryStats.Instance, settings, http.RequestAborted);
        var topicStats = AskAsync<TopicStats>(topics.GetAsync(http.RequestAborted), GetTopicStats.Instance, settings, http.RequestAborted);
        if (await registryStats is not { } users || await topicStats is not { } topicCounts)
            return NoAnswer();
        var metrics = PushMetrics.Get(system);
        return Results.Json(new StatsResponse(
            users.Connections,
            users.Users,
            topicCounts.Topics,
            topicCounts.Subscriptions,
            metrics.MessagesIn,
            metrics.MessagesOut,
            metrics.PublishesDropped,
            metrics.ClientFramesDiscarded,
            metrics.SlowConsumerDisconnects,
            metrics.RateLimitDisconnects,
            metrics.SubscriptionsRefused));
    }

    /// <summary>Asks with the API's timeout and the request's cancellation; null when the actor did not answer in time.</summary>
    private static async Task<T?> AskAsync<T>(Task<IActorRef> actor, object message, ActorPushSettings settings, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await (await actor).Ask<T>(message, settings.ApiAskTimeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

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
