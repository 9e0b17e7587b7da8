namespace ActorPush.Host.Transport;

/// <summary>
/// What a handshake's <c>Sec-WebSocket-Protocol</c> asks for (docs/protocol.md): <c>actorpush.v1</c> opts into
/// envelopes; a second value <c>actorpush.token.&lt;JWT&gt;</c> hands over the token without putting it in the URL.
/// The server answers only <c>actorpush.v1</c>, never echoing the token.
/// </summary>
internal readonly record struct Subprotocols(bool V1, string? Token)
{
    public const string V1Name = ActorPush.Actors.Transport.Envelopes.Protocol;
    public const string TokenPrefix = "actorpush.token.";

    public static Subprotocols Read(string? header)
    {
        if (string.IsNullOrEmpty(header))
            return default;
        bool v1 = false;
        string? token = null;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Equals(V1Name, StringComparison.Ordinal))
                v1 = true;
            else if (part.StartsWith(TokenPrefix, StringComparison.Ordinal) && part.Length > TokenPrefix.Length)
                token = part[TokenPrefix.Length..];
        }

        return new Subprotocols(v1, v1 ? token : null);
    }

    /// <summary>
    /// The close code an actorpush.v1 client gets instead of an HTTP refusal it could not see (a browser shows a
    /// failed upgrade only as 1006): 4000 + the status, for the statuses a client acts on. Null: keep the HTTP status.
    /// </summary>
    public static ushort? RefusalCloseCode(int status) => status switch
    {
        400 or 401 or 403 or 429 or 503 => (ushort)(4000 + status),
        _ => null,
    };
}
