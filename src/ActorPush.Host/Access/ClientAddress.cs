using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Access;

/// <summary>
/// The address of the client behind a request: the TCP peer, unless the peer is a trusted proxy
/// (<c>actorpush.trusted-proxies</c>), in which case the client its forwarding headers name. Logs, per-address
/// limits and the API's loopback rule use it, so a proxy on the same host does not make everyone "local" and a
/// header sent by anyone else changes nothing.
/// </summary>
public static class ClientAddress
{
    public const string ForwardedHeader = "Forwarded";
    public const string XForwardedForHeader = "X-Forwarded-For";
    public const string XRealIpHeader = "X-Real-IP";

    /// <summary>What a request says about where it came from.</summary>
    public readonly record struct Origin(IPAddress? Address, bool Forwarded);

    public static Origin Resolve(HttpContext context, TrustedProxies proxies)
    {
        var headers = context.Request.Headers;
        return Resolve(context.Connection.RemoteIpAddress, headers[ForwardedHeader], headers[XForwardedForHeader], headers[XRealIpHeader], proxies);
    }

    /// <summary>
    /// The client's address, and whether the request carried forwarding headers at all. From a peer that is not a
    /// trusted proxy the headers are ignored and the peer is the client. From a trusted proxy the client is the
    /// nearest address in the header that is not itself a trusted proxy (<c>X-Forwarded-For</c>, else
    /// <c>Forwarded: for=</c>, else <c>X-Real-IP</c>); null when the header names no address we can parse
    /// (<c>unknown</c>, an obfuscated identifier, garbage), which callers treat as not local.
    /// </summary>
    public static Origin Resolve(IPAddress? peer, StringValues forwarded, StringValues xForwardedFor, StringValues xRealIp, TrustedProxies proxies)
    {
        var carries = !StringValues.IsNullOrEmpty(forwarded) || !StringValues.IsNullOrEmpty(xForwardedFor) || !StringValues.IsNullOrEmpty(xRealIp);
        peer = peer is null ? null : TrustedProxies.Normalize(peer);
        if (!carries || !proxies.Contains(peer))
            return new Origin(peer, carries);

        var hops = !StringValues.IsNullOrEmpty(xForwardedFor) ? Split(xForwardedFor).ToList()
            : !StringValues.IsNullOrEmpty(forwarded) ? ForwardedFor(forwarded).ToList()
            : Split(xRealIp).ToList();

        // Walk from the proxy towards the client: every trusted hop may have appended the one before it.
        for (var i = hops.Count - 1; i >= 0; i--)
        {
            if (ParseHop(hops[i]) is not { } hop)
                return new Origin(null, true);
            if (i == 0 || !proxies.Contains(hop))
                return new Origin(hop, true);
        }

        return new Origin(null, true);
    }

    private static IEnumerable<string> Split(StringValues values)
    {
        foreach (var value in values)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                yield return part;
        }
    }

    /// <summary>The <c>for=</c> parameter of every element of an RFC 7239 <c>Forwarded</c> header, in order.</summary>
    private static IEnumerable<string> ForwardedFor(StringValues values)
    {
        foreach (var element in Split(values))
        {
            var found = "";
            foreach (var pair in element.Split(';', StringSplitOptions.TrimEntries))
            {
                if (pair.StartsWith("for=", StringComparison.OrdinalIgnoreCase))
                    found = pair[4..].Trim('"');
            }

            yield return found;
        }
    }

    /// <summary><c>192.0.2.1</c>, <c>192.0.2.1:4711</c>, <c>2001:db8::1</c> or <c>[2001:db8::1]:4711</c>; null for anything else.</summary>
    private static IPAddress? ParseHop(string hop)
    {
        if (IPAddress.TryParse(hop, out var plain))
            return TrustedProxies.Normalize(plain);
        if (hop.StartsWith('['))
        {
            var end = hop.IndexOf(']');
            return end > 1 && IPAddress.TryParse(hop.AsSpan(1, end - 1), out var v6) ? TrustedProxies.Normalize(v6) : null;
        }

        var colon = hop.LastIndexOf(':');
        return colon > 0 && hop.IndexOf(':') == colon && IPAddress.TryParse(hop.AsSpan(0, colon), out var v4) ? v4 : null;
    }
}
