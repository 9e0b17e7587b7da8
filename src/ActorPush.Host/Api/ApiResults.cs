namespace ActorPush.Host.Api;

/// <summary>The API's answers: JSON bodies, errors as <c>{"error": "..."}</c>.</summary>
internal static class ApiResults
{
    public static IResult Error(int status, string text) => Results.Json(new ApiError(text), statusCode: status);
}

internal sealed record ApiError(string Error);

/// <summary>202 body of a push: what it went to and how many bytes it carries.</summary>
internal sealed record PushAccepted(bool Accepted, string Target, int Bytes);

/// <summary>202 body of a command that reaches a user's connections (kick, subscribe, unsubscribe).</summary>
internal sealed record UserCommandAccepted(
    bool Accepted,
    string UserId,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? Topic = null);

/// <summary><c>GET /api/users/{userId}</c>.</summary>
internal sealed record PresenceResponse(string UserId, bool Online, int Connections);

/// <summary><c>GET /api/topics/{topic}</c>.</summary>
internal sealed record TopicResponse(string Topic, int Subscribers);

/// <summary><c>GET /api/stats</c>: this node's counters since start.</summary>
internal sealed record StatsResponse(
    int Connections,
    int Users,
    int Topics,
    int Subscriptions,
    long MessagesIn,
    long MessagesOut,
    long PublishesDropped,
    long ClientFramesDiscarded,
    long SlowConsumerDisconnects,
    long RateLimitDisconnects,
    long SubscriptionsRefused);
