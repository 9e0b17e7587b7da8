namespace ActorPush.Actors.Transport;

/// <summary>
/// Every WebSocket close code ActorPush sends, with what it means and whether a client should
/// reconnect. The README's close-code table mirrors this catalogue.
/// </summary>
public static class CloseCodes
{
    /// <summary>1000: normal close (the peer asked to close). Reconnect: not needed.</summary>
    public const ushort Normal = 1000;

    /// <summary>1001: the server is shutting down. Reconnect: yes, with backoff (another node or after restart).</summary>
    public const ushort GoingAway = 1001;

    /// <summary>1002: the peer broke the WebSocket protocol. Reconnect: only after fixing the client.</summary>
    public const ushort ProtocolError = 1002;

    /// <summary>1007: a text frame was not valid UTF-8. Reconnect: yes, but do not resend that message.</summary>
    public const ushort InvalidPayload = 1007;

    /// <summary>1009: a message was larger than actorpush.max-message-size. Reconnect: yes, send smaller messages.</summary>
    public const ushort MessageTooBig = 1009;

    /// <summary>1011: an unexpected server error. Reconnect: yes, with backoff.</summary>
    public const ushort InternalError = 1011;

    /// <summary>4003: kicked: the server side closed every connection of this user (<c>DELETE /api/users/{id}/connections</c>).
    /// Reconnect: not automatically; only once the application allows it (e.g. after a fresh login).</summary>
    public const ushort Kicked = 4003;

    /// <summary>4008: slow consumer: the client did not read and its outbound queue (or its ClientActor's mailbox) passed
    /// the limit, or it held one of the largest queues when the node passed actorpush.limits.max-outbound-bytes.
    /// Reconnect: yes; read faster.</summary>
    public const ushort SlowConsumer = 4008;

    /// <summary>4029: the client sent more messages than actorpush.client.rate-limit allows. Reconnect: yes, with backoff; send less.</summary>
    public const ushort RateLimited = 4029;

    // Refusals of an actorpush.v1 handshake (docs/protocol.md): the upgrade is accepted and closed at once with
    // 4000 + the HTTP status a raw client gets, because a browser cannot see a refused upgrade's status.

    /// <summary>4400: the handshake was malformed (bad user_id or topic). Reconnect: no, fix the request.</summary>
    public const ushort RefusedBadRequest = 4400;

    /// <summary>4401: missing, bad or expired JWT. Reconnect: once, with a fresh token.</summary>
    public const ushort RefusedUnauthorized = 4401;

    /// <summary>4403: origin not allowed, user_id not the token's sub, or a topic the token does not allow. Reconnect: no.</summary>
    public const ushort RefusedForbidden = 4403;

    /// <summary>4429: the user holds actorpush.limits.max-connections-per-user already. Reconnect: yes, after a long pause.</summary>
    public const ushort RefusedTooManyConnections = 4429;

    /// <summary>4503: the node is at actorpush.limits.max-connections or too busy to register. Reconnect: yes, with backoff.</summary>
    public const ushort RefusedUnavailable = 4503;

    /// <summary>Short reason strings sent in the close frame (at most 123 bytes by RFC 6455).</summary>
    public static class Reasons
    {
        public const string GoingAway = "server shutting down";
        public const string MessageTooBig = "message too big";
        public const string InvalidPayload = "invalid UTF-8 in text frame";
        public const string SlowConsumer = "slow consumer";
        public const string OutboundLimit = "slow consumer: server outbound memory full";
        public const string KeepAliveTimeout = "keepalive timeout";
        public const string Kicked = "kicked";
        public const string RateLimited = "rate limit exceeded";
        public const string InternalError = "internal server error";
    }
}
