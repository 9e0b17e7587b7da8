using ActorPush.Actors;
using ActorPush.Host.Configuration;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Handshake;

/// <summary>
/// Decides, before any upgrade, whether a handshake on <c>/im</c> may open a connection and for whom.
/// Every refusal is an HTTP status with a short text naming the problem. In order: the browser origin
/// (403), who the client is (<c>user_id</c>: 400; or a JWT: 401, 403), its topics (400; 403 when the
/// token does not grant one; 503 when one would be a new topic on a node at its topic cap), then a connection
/// slot under the limits (503 node, 429 user or address).
/// </summary>
public sealed class HandshakePolicy
{
    private static readonly IReadOnlySet<string> NoTopics = new HashSet<string>();

    private readonly OriginRules _origins;
    private readonly TokenValidator? _tokens;
    private readonly int _maxTopics;
    private readonly bool _topicsNeedGrant;
    private readonly TopicAdmission? _topicAdmission;

    /// <param name="topicAdmission">The node's topic bounds, to refuse a topic the node could not create; null: not checked here.</param>
    public HandshakePolicy(ActorPushSettings settings, TopicAdmission? topicAdmission = null)
    {
        _topicsNeedGrant = settings.TopicsNeedGrant;
        _topicAdmission = topicAdmission;
        _origins = new OriginRules(settings.AllowedOrigins);
        _tokens = settings.JwtSecret is { } secret ? new TokenValidator(secret, settings.JwtClockSkew, settings.JwtMaxLifetime) : null;
        _maxTopics = settings.Actors.MaxTopicsPerConnection;
        Connections = new ConnectionLimiter(settings.MaxConnections, settings.MaxConnectionsPerUser, settings.MaxConnectionsPerAddress);
    }

    /// <summary>This node's connection slots (<c>actorpush.limits.*</c>).</summary>
    public ConnectionLimiter Connections { get; }

    public async ValueTask<HandshakeDecision> EvaluateAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        if (!_origins.Allows(request.Origin))
            return Refuse(StatusCodes.Status403Forbidden, "origin is not allowed (actorpush.allowed-origins)");

        string userId;
        IReadOnlySet<string>? allowedTopics = null;
        var userIds = request.QueryValues("user_id");
        if (_tokens is null)
        {
            if (UserIdRules.Problem(userIds) is { } problem)
                return Refuse(StatusCodes.Status400BadRequest, problem);
            userId = userIds[0]!;
        }
        else
        {
            var tokens = request.QueryValues("token");
            if (tokens.Count != 1 || string.IsNullOrEmpty(tokens[0]))
                return Refuse(StatusCodes.Status401Unauthorized, "a token is required (?token=<JWT>)");
            var (identity, problem) = await _tokens.ValidateAsync(tokens[0]!);
            if (identity is null)
                return Refuse(StatusCodes.Status401Unauthorized, problem!);
            if (userIds.Count > 0 && (userIds.Count > 1 || userIds[0] != identity.UserId))
                return Refuse(StatusCodes.Status403Forbidden, "user_id does not match the token's sub");
            userId = identity.UserId;
            allowedTopics = identity.AllowedTopics;
        }

        var (topics, topicProblem) = TopicRules.Parse(request.QueryValues("topics"), _maxTopics);
        if (topicProblem is not null)
            return Refuse(StatusCodes.Status400BadRequest, topicProblem);
        if (_topicsNeedGrant)
            allowedTopics ??= NoTopics; // the client subscribes itself only to what a token grants
        if (allowedTopics is not null && FirstNotAllowed(topics, allowedTopics) is { } forbidden)
            return Refuse(StatusCodes.Status403Forbidden, _tokens is null
                ? $"topic {forbidden} needs a token that grants it (actorpush.auth.topics-need-grant)"
                : $"token does not allow topic {forbidden}");
        if (_topicAdmission is not null && FirstRefusal(topics, _topicAdmission) is { } full)
            return Refuse(StatusCodes.Status503ServiceUnavailable, full);

        var lease = Connections.TryAcquire(userId, request.RemoteAddress, out var refusal);
        return lease is null ? refusal! : new Accepted(userId, topics) { Lease = lease, AllowedTopics = allowedTopics };
    }

    private static Refused Refuse(int status, string text) => new(status, text);

    // Index loops rather than LINQ: a lambda capturing allowedTopics would cost every handshake a closure, an
    // enumerator over the interface a box.
    private static string? FirstNotAllowed(IReadOnlyList<string> topics, IReadOnlySet<string> allowed)
    {
        for (var i = 0; i < topics.Count; i++)
            if (!allowed.Contains(topics[i]))
                return topics[i];
        return null;
    }

    private static string? FirstRefusal(IReadOnlyList<string> topics, TopicAdmission admission)
    {
        for (var i = 0; i < topics.Count; i++)
            if (admission.Refusal(topics[i]) is { } refusal)
                return refusal;
        return null;
    }
}
