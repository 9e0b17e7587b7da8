using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ActorPush.Host.Handshake;

/// <summary>What a valid <c>/im?token=</c> says: who the client is and, optionally, which topics it may subscribe to.</summary>
/// <param name="AllowedTopics">The token's <c>topics</c> claim; null when the token does not limit topics.</param>
public sealed record TokenIdentity(string UserId, IReadOnlySet<string>? AllowedTopics);

/// <summary>
/// Validates HS256 JWTs against <c>actorpush.auth.jwt-secret</c> with Microsoft.IdentityModel's
/// <see cref="JsonWebTokenHandler"/>: the signature, the algorithm (HS256 only), <c>exp</c> (required)
/// and <c>nbf</c>. Issuer and audience are not checked: the shared secret is the trust.
/// </summary>
public sealed class TokenValidator
{
    public const string TopicsClaim = "topics";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    public TokenValidator(string secret, TimeSpan clockSkew)
    {
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            ClockSkew = clockSkew,
        };
    }

    /// <summary>The identity in <paramref name="token"/>, or null and a short text saying why it is not valid.</summary>
    public async Task<(TokenIdentity? Identity, string? Problem)> ValidateAsync(string token)
    {
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, _parameters);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return (null, "token is malformed");
        }

        if (!result.IsValid)
            return (null, Describe(result.Exception));

        var jwt = (JsonWebToken)result.SecurityToken;
        if (UserIdRules.Problem(jwt.Subject) is { } subProblem)
            return (null, "token sub: " + subProblem.Replace("user_id", "sub", StringComparison.Ordinal));

        if (!jwt.TryGetPayloadValue<object>(TopicsClaim, out _))
            return (new TokenIdentity(jwt.Subject, null), null);
        if (!jwt.TryGetPayloadValue<List<string>>(TopicsClaim, out var topics) || topics is null)
            return (null, "token claim \"topics\" must be an array of strings");
        return (new TokenIdentity(jwt.Subject, new HashSet<string>(topics, StringComparer.Ordinal)), null);
    }

    private static string Describe(Exception? error) => error switch
    {
        SecurityTokenExpiredException => "token has expired",
        SecurityTokenNoExpirationException => "token has no exp",
        SecurityTokenNotYetValidException => "token is not valid yet (nbf)",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "token signature is invalid",
        SecurityTokenInvalidAlgorithmException => "token must be signed with HS256",
        SecurityTokenMalformedException => "token is malformed",
        _ => "token is invalid",
    };
}
