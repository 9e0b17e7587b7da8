using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Api;

/// <summary>
/// The server-side HTTP API under <c>/api</c>: broadcast, per-user and per-topic pushes, presence, kicks,
/// server-side subscriptions and stats. Handlers reach the actors through Akka.Hosting's <see cref="IRequiredActor{TActor}"/>;
/// pushes and commands are told (202 once handed over), only presence and stats ask, with
/// <c>actorpush.api.ask-timeout</c> and the request's cancellation. Every call first passes <see cref="ApiAccess"/>.
/// docs/api.md documents every route.
/// </summary>
internal static class PushApiEndpoints
{
    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder endpoints)
    {
        var access = new ApiAccess(endpoints.ServiceProvider.GetRequiredService<ActorPushSettings>());
        var api = endpoints.MapGroup("/api");
        api.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            if (access.Check(http.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
                    http.Connection.RemoteIpAddress) is not { } refusal)
                return await next(invocation);
            if (refusal.Status == StatusCodes.Status401Unauthorized)
                http.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiResults.Error(refusal.Status, refusal.Error);
        });

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
        string userId, HttpRequest request, ActorPushSettings settings, [FromServices] IRequiredActor<RegistryActor> registry)
    {
        if (UserProblem(ref userId) is { } problem)
            return problem;
        var (frame, error) = await PushBody.ReadAsync(request, settings.MaxMessageSize, request.HttpContext.RequestAborted);
        if (frame is null)
            return error!;
        (await registry.GetAsync(request.HttpContext.RequestAborted)).Tell(new Actors.Messages.PushToUser(userId, frame), ActorRefs.NoSender);
        return Results.Json(new PushAccepted(true, "user:" + userId, frame.Payload.Length), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> PushToTopic(
        string topic, HttpRequest request, ActorPushSettings settings, [FromServices] IRequiredActor<TopicsActor> topics)
    {
        if (TopicProblem(ref topic) is { } problem)
            return problem;
        var (frame, error) = await PushBody.ReadAsync(request, settings.MaxMessageSize, request.HttpContext.RequestAborted);
        if (frame is null)
            return error!;
        (await topics.GetAsync(request.HttpContext.RequestAborted)).Tell(new PublishToTopic(topic, frame), ActorRefs.NoSender);
        return Results.Json(new PushAccepted(true, "topic:" + topic, frame.Payload.Length), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Presence(
        string userId, HttpContext http, ActorPushSettings settings, [FromServices] IRequiredActor<RegistryActor> registry)
    {
        if (UserProblem(ref userId) is { } problem)
            return problem;
        var presence = await AskAsync<UserPresence>(registry.GetAsync(http.RequestAborted), new GetUserPresence(userId), settings, http.RequestAborted);
        return presence is null
            ? NoAnswer()
            : Results.Json(new PresenceResponse(presence.UserId, presence.Online, presence.Connections));
    }

    private static async Task<IResult> Kick(string userId, HttpContext http, [FromServices] IRequiredActor<RegistryActor> registry)
    {
        if (UserProblem(ref userId) is { } problem)
            return problem;
        (await registry.GetAsync(http.RequestAborted)).Tell(
            new DisconnectUser(userId, CloseCodes.Kicked, CloseCodes.Reasons.Kicked), ActorRefs.NoSender);
        return Results.Json(new UserCommandAccepted(true, userId), statusCode: StatusCodes.Status202Accepted);
    }

    private static Task<IResult> Subscribe(string userId, string topic, HttpContext http, [FromServices] IRequiredActor<RegistryActor> registry) =>
        UserTopicCommand(userId, topic, http, registry, (user, name) => new SubscribeUser(user, name));

    private static Task<IResult> Unsubscribe(string userId, string topic, HttpContext http, [FromServices] IRequiredActor<RegistryActor> registry) =>
        UserTopicCommand(userId, topic, http, registry, (user, name) => new UnsubscribeUser(user, name));

    private static async Task<IResult> UserTopicCommand(
        string userId, string topic, HttpContext http, IRequiredActor<RegistryActor> registry, Func<string, string, object> command)
    {
        if (UserProblem(ref userId) is { } userProblem)
            return userProblem;
        if (TopicProblem(ref topic) is { } topicProblem)
            return topicProblem;
        (await registry.GetAsync(http.RequestAborted)).Tell(command(userId, topic), ActorRefs.NoSender);
        return Results.Json(new UserCommandAccepted(true, userId, topic), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> TopicInfo(
        string topic, HttpContext http, ActorPushSettings settings, [FromServices] IRequiredActor<TopicsActor> topics)
    {
        if (TopicProblem(ref topic) is { } problem)
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
    /// Validates a user id from the route. Kestrel leaves <c>%2F</c> encoded in paths, so a '/' in an id arrives as
    /// "%2F" and is decoded here.
    /// </summary>
    private static IResult? UserProblem(ref string userId)
    {
        userId = DecodeSlashes(userId);
        return UserIdRules.Problem(new StringValues(userId)) is { } problem
            ? ApiResults.Error(StatusCodes.Status400BadRequest, problem.Replace("user_id", "userId", StringComparison.Ordinal))
            : null;
    }

    private static IResult? TopicProblem(ref string topic)
    {
        topic = DecodeSlashes(topic);
        return TopicRules.Problem(topic) is { } problem ? ApiResults.Error(StatusCodes.Status400BadRequest, problem) : null;
    }

    private static string DecodeSlashes(string value) =>
        value.Contains('%') ? value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase) : value;
}
