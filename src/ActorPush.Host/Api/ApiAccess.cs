using System.Net;
using System.Security.Cryptography;
using System.Text;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Api;

/// <summary>
/// Who may call <c>/api</c>. With <c>actorpush.api.key</c> set: callers presenting <c>Authorization: Bearer &lt;key&gt;</c>
/// (compared in constant time), else 401. Without a key: only callers on a loopback address, else 403, so a fresh
/// install is never an open relay.
/// </summary>
internal sealed class ApiAccess(string? apiKey)
{
    // Both sides are hashed first so the comparison takes the same time whatever the lengths.
    private readonly byte[]? _keyHash = apiKey is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    public ApiAccess(ActorPushSettings settings)
        : this(settings.ApiKey)
    {
    }

    /// <summary>Null when the call may go on, else the status and a short text.</summary>
    public (int Status, string Error)? Check(string? authorization, IPAddress? remote)
    {
        if (_keyHash is null)
        {
            return IsLoopback(remote)
                ? null
                : (StatusCodes.Status403Forbidden, "the API answers only loopback callers until actorpush.api.key is set");
        }

        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return (StatusCodes.Status401Unauthorized, "Authorization: Bearer <key> is required");
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _keyHash)
            ? null
            : (StatusCodes.Status401Unauthorized, "the API key is not valid");
    }

    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
