namespace ActorPush.Host.Handshake;

/// <summary>
/// <c>actorpush.allowed-origins</c>: a browser's handshake must come from a listed origin (cross-site WebSocket
/// hijacking). Requests without an Origin header are not from a browser page and pass; an empty list allows all.
/// </summary>
public sealed class OriginRules(IReadOnlyList<string> allowed)
{
    private readonly HashSet<string> _allowed = new(allowed, StringComparer.OrdinalIgnoreCase);

    public bool Allows(string? origin) => _allowed.Count == 0 || origin is null || _allowed.Contains(origin);
}
