namespace ActorPush.Actors.Transport;

/// <summary>
/// The seam between a <see cref="ClientActor"/> and the wire. The Host implements it for each
/// connection; the actor never sees a socket. Both members return at once: they never wait on I/O.
/// </summary>
public interface IClientConnection
{
    /// <summary>
    /// Queues <paramref name="frames"/> for sending, in order, under one lock. With <paramref name="flush"/>
    /// they (and whatever was queued before) start leaving at once; without, they leave with the next
    /// <see cref="Flush"/>. Returns false when the connection's bounded outbound queue went over its limit
    /// (a slow consumer): the frames from the one that did not fit on are then not queued. A connection
    /// that is already closing accepts and discards frames.
    /// </summary>
    bool TrySend(ReadOnlySpan<OutboundFrame> frames, bool flush);

    /// <summary>
    /// Starts writing what <see cref="TrySend"/> queued without a flush. The ClientActor calls it once after
    /// a burst of messages, so frames queued together leave in one write. Returns at once.
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
