using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ActorPush.Host.Access;

/// <summary>
/// Whether a request really comes from this machine, the rule behind "no API key means local callers only".
/// A loopback TCP peer is not enough once a proxy runs on the same host (every outside request then arrives
/// from 127.0.0.1) or a browser page is open (it can POST to 127.0.0.1, and DNS rebinding can point any name at
/// it). So a request is local only when all of these hold:
/// <list type="bullet">
/// <item>the client (<see cref="ClientAddress"/>) is a loopback address: a request with forwarding headers
/// counts only from a trusted proxy that names a loopback client;</item>
/// <item>its <c>Host</c> is a loopback name (<c>localhost</c>, <c>*.localhost</c>, 127.x, <c>[::1]</c>) or one of
/// the configured hosts;</item>
/// <item>it is not cross-site: no <c>Sec-Fetch-Site: cross-site</c>, and an <c>Origin</c>, if present, names a
/// loopback or configured host.</item>
/// </list>
/// </summary>
public sealed class LocalRequest(TrustedProxies proxies, IReadOnlyCollection<string> allowedHosts)
{
    private readonly HashSet<string> _allowedHosts = new(allowedHosts, StringComparer.OrdinalIgnoreCase);

    /// <summary>Null when the request is local, else a short reason.</summary>
    public string? Problem(HttpContext context)
    {
        var headers = context.Request.Headers;
        var client = ClientAddress.Resolve(context, proxies);
        // Forwarding headers from a peer that is not a trusted proxy: someone relays (or pretends to); not local.
        var relayed = client.Forwarded && !proxies.Contains(context.Connection.RemoteIpAddress);
        if (relayed || client.Address is null || !IPAddress.IsLoopback(client.Address))
        {
            return client.Forwarded
                ? "the API answers only local callers until actorpush.api.key is set; this request was forwarded for a non-local client (or by a proxy not in actorpush.trusted-proxies)"
                : "the API answers only loopback callers until actorpush.api.key is set";
        }

        if (!IsLocalHost(context.Request.Host.Host))
            return "the API answers only requests for a loopback Host (or one in actorpush.api.allowed-hosts) until actorpush.api.key is set";
        if (string.Equals(headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase))
            return "cross-site requests to the API are refused";
        if (headers[HeaderNames.Origin] is { Count: > 0 } origin &&
            !(Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && IsLocalHost(uri.Host)))
            return "cross-site requests to the API are refused (Origin is not a local page)";
        return null;
    }

    private bool IsLocalHost(string host)
    {
        if (host.Length == 0)
            return false;
        if (_allowedHosts.Contains(host))
            return true;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return true;
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(TrustedProxies.Normalize(address));
    }
}
