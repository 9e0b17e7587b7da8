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
/// and <c>nbf</c>. On top of the library: <c>exp</c>, <c>nbf</c> and <c>iat</c> must be JSON numbers (a string is
/// refused, not read), a <c>crit</c> header is refused (RFC 7515 4.1.11: this server understands no extension),
/// and with <c>actorpush.auth.max-token-lifetime</c> set a token may not be valid for longer than that from now.
/// Issuer and audience are not checked: the shared secret is the trust.
/// </summary>
public sealed class TokenValidator
{
    public const string TopicsClaim = "topics";

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    private readonly TimeSpan _maxLifetime;
    private readonly TimeSpan _clockSkew;

    /// <param name="maxLifetime">Longest a token may still be valid for (exp minus now); zero: no limit.</param>
    public TokenValidator(string secret, TimeSpan clockSkew, TimeSpan maxLifetime = default)
    {
        _maxLifetime = maxLifetime;
        _clockSkew = clockSkew;
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
        if (jwt.TryGetHeaderValue<object>("crit", out _))
            return (null, "token header crit names extensions this server does not support");
        if (NonNumericTime(jwt) is { } claim)
            return (null, $"token claim \"{claim}\" must be a number (seconds since 1970)");
        if (_maxLifetime > TimeSpan.Zero && jwt.ValidTo - DateTime.UtcNow > _maxLifetime + _clockSkew)
            return (null, "token is valid for longer than actorpush.auth.max-token-lifetime allows");
        if (UserIdRules.Problem(jwt.Subject) is { } subProblem)
            return (null, "token sub: " + subProblem.Replace("user_id", "sub", StringComparison.Ordinal));

        if (!jwt.TryGetPayloadValue<object>(TopicsClaim, out _))
            return (new TokenIdentity(jwt.Subject, null), null);
        if (!jwt.TryGetPayloadValue<List<string>>(TopicsClaim, out var topics) || topics is null)
            return (null, "token claim \"topics\" must be an array of strings");
        return (new TokenIdentity(jwt.Subject, new HashSet<string>(topics, StringComparer.Ordinal)), null);
    }

    /// <summary>The first of exp, nbf, iat that is present but not a JSON number, read from the payload as sent.</summary>
    private static string? NonNumericTime(JsonWebToken jwt)
    {
        using var payload = System.Text.Json.JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        foreach (var claim in (ReadOnlySpan<string>)["exp", "nbf", "iat"])
        {
            if (payload.RootElement.TryGetProperty(claim, out var value) && value.ValueKind != System.Text.Json.JsonValueKind.Number)
                return claim;
        }

        return null;
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
