using System.Net;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Handshake;

/// <summary>What the policy sees of a WebSocket handshake on <c>/im</c>, whichever transport read it.</summary>
/// <param name="IsWebSocketRequest">
/// False for a plain GET without an upgrade (the transport answers 426): the policy still checks it, but takes
/// no connection slot for it.
/// </param>
public sealed record HandshakeRequest(
    IReadOnlyDictionary<string, StringValues> Query,
    string? Origin,
    IPAddress? RemoteAddress,
    bool IsWebSocketRequest = true)
{
    public StringValues QueryValues(string name) => Query.TryGetValue(name, out var values) ? values : StringValues.Empty;
}
