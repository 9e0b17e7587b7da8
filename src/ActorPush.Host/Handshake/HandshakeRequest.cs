using System.Net;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Handshake;

/// <summary>What the policy sees of a WebSocket handshake on <c>/im</c>, whichever transport read it.</summary>
/// <param name="RemoteAddress">The client's address: the TCP peer, or behind a trusted proxy the client it names (<see cref="Access.ClientAddress"/>).</param>
public sealed record HandshakeRequest(
    IReadOnlyDictionary<string, StringValues> Query,
    string? Origin,
    IPAddress? RemoteAddress)
{
    public StringValues QueryValues(string name) => Query.TryGetValue(name, out var values) ? values : StringValues.Empty;
}
