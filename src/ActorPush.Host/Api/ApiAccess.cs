using System.Security.Cryptography;
using System.Text;
using ActorPush.Host.Access;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Api;

/// <summary>
/// Who may call <c>/api</c> (and every other operator path guarded with <see cref="UseApiAccess"/>, such as
/// <c>/metrics</c>). With <c>actorpush.api.key</c> set: callers presenting <c>Authorization: Bearer &lt;key&gt;</c>
/// (compared in constant time), else 401. Without a key: only requests that are really local
/// (<see cref="LocalRequest"/>), else 403 with the reason, so a fresh install is never an open relay, not even
/// behind a proxy on the same host or for a browser page on another site.
/// </summary>
internal sealed class ApiAccess(string? apiKey, LocalRequest local)
{
    // Both sides are hashed first so the comparison takes the same time whatever the lengths.
    private readonly byte[]? _keyHash = apiKey is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    public ApiAccess(ActorPushSettings settings, TrustedProxies proxies)
        : this(settings.ApiKey, new LocalRequest(proxies, settings.ApiAllowedHosts))
    {
    }

    /// <summary>Null when the call may go on, else the status and a short text.</summary>
    public (int Status, string Error)? Check(HttpContext context)
    {
        if (_keyHash is null)
            return local.Problem(context) is { } problem ? (StatusCodes.Status403Forbidden, problem) : null;

        const string scheme = "Bearer ";
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return (StatusCodes.Status401Unauthorized, "Authorization: Bearer <key> is required");
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _keyHash)
            ? null
            : (StatusCodes.Status401Unauthorized, "the API key is not valid");
    }

    /// <summary>
    /// Guards every request whose path starts with one of <paramref name="prefixes"/> with the API's access rule,
    /// before any endpoint (or a 404) answers it.
    /// </summary>
    public static void UseApiAccess(WebApplication app, params PathString[] prefixes)
    {
        var access = new ApiAccess(app.Services.GetRequiredService<ActorPushSettings>(), app.Services.GetRequiredService<TrustedProxies>());
        app.Use(async (context, next) =>
        {
            if (!prefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix)) || access.Check(context) is not { } refusal)
            {
                await next(context);
                return;
            }

            if (refusal.Status == StatusCodes.Status401Unauthorized)
                context.Response.Headers.WWWAuthenticate = "Bearer";
            await ApiResults.Error(refusal.Status, refusal.Error).ExecuteAsync(context);
        });
    }
}
