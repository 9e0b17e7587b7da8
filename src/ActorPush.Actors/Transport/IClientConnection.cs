namespace ActorPush.Actors.Transport;

/// <summary>
/// The seam between a <see cref="ClientActor"/> and the wire. The Host implements it for each
/// connection; the actor never sees a socket. Both members return at once: they never wait on I/O.
/// </summary>
public interface IClientConnection
{
    /// <summary>
    /// Queues a frame for sending (it leaves with the next <see cref="Flush"/>). Returns false when the connection's bounded outbound queue is
    /// over its limit (a slow consumer); the frame is then not queued. A connection that is already
    /// closing accepts and discards frames.
    /// </summary>
    bool TrySend(OutboundFrame frame);

    /// <summary>
    /// Starts writing what <see cref="TrySend"/> queued. The ClientActor calls it once after a batch of
    /// frames, so frames queued together leave in one write. Returns at once.
    /// </summary>
    void Flush();

    /// <summary>
    /// The ClientActor is registered and in the broadcast set: from now on it receives every broadcast.
    /// The transport completes the handshake only then, so a client never misses a broadcast published
    /// after its handshake completed (its own first message included).
    /// </summary>
    void Joined();

    /// <summary>
    /// Starts the close handshake with <paramref name="code"/> (see <see cref="CloseCodes"/>).
    /// Idempotent: the first call wins. The transport aborts the connection if the close does not
    /// finish within its deadline.
    /// </summary>
    void Close(ushort code, string reason);
}
