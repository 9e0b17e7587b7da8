namespace ActorPush.Host.Transport;

/// <summary>
/// What happens around a <see cref="PushWebSocket"/>'s frames: opening it (the handshake, the session and
/// the 101) and the clean-up once it ended. The <see cref="PushConnectionMiddleware"/> implements it, so
/// the socket runs the whole connection in one async method without knowing about handshakes or actors.
/// </summary>
internal interface IConnectionLifecycle
{
    /// <summary>
    /// Runs the handshake on <paramref name="socket"/>'s connection. True when the socket is open and its
    /// receive loop should start; false when the connection was refused, timed out, or was handed to
    /// Kestrel (which serves it from then on).
    /// </summary>
    ValueTask<bool> OpenAsync(PushWebSocket socket);

    /// <summary>The open <paramref name="socket"/> ended, for whatever reason. Called once.</summary>
    void Closed(PushWebSocket socket);
}
