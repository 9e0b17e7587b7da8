using System.Net;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Handshake;

/// <summary>What the policy sees of a WebSocket handshake on <c>/im</c>, whichever transport read it.</summary>
public sealed record HandshakeRequest(
    IReadOnlyDictionary<string, StringValues> Query,
    string? Origin,
    IPAddress? RemoteAddress)
{
    public StringValues QueryValues(string name) => Query.TryGetValue(name, out var values) ? values : StringValues.Empty;
}
