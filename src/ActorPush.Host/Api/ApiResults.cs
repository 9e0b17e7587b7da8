using System.Text.Json.Serialization;

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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    string? Topic = null);

/// <summary>
/// <c>GET /api/users/{userId}</c>: connections over every node that answered; <c>unanswered</c> (only when a node did
/// not answer in time) names the others.
/// </summary>
internal sealed record PresenceResponse(
    string UserId,
    bool Online,
    int Connections,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Unanswered = null);

/// <summary><c>GET /api/topics/{topic}</c>: subscribers over every node that answered; <c>unanswered</c> as in presence.</summary>
internal sealed record TopicResponse(
    string Topic,
    int Subscribers,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Unanswered = null);
