using Microsoft.AspNetCore.Http;

namespace ActorPush.Host.Handshake;

/// <summary>
/// Decides, before any upgrade, whether a handshake on <c>/im</c> may open a connection and for whom.
/// Every refusal is an HTTP status with a short text naming the problem.
/// </summary>
public sealed class HandshakePolicy
{
    public ValueTask<HandshakeDecision> EvaluateAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        var userIds = request.QueryValues("user_id");
        if (UserIdRules.Problem(userIds) is { } problem)
            return ValueTask.FromResult(HandshakeDecision.Refuse(StatusCodes.Status400BadRequest, problem));
        return ValueTask.FromResult<HandshakeDecision>(new Accepted(userIds[0]!, []));
    }
}
