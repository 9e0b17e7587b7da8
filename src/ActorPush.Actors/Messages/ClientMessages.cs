using Akka.Actor;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Messages;

/// <summary>Tells a <see cref="ClientActor"/> to close its connection with a close code from <see cref="Transport.CloseCodes"/>.</summary>
public sealed record Disconnect(ushort Code, string Reason) : INoSerializationVerificationNeeded;

/// <summary>
/// Several broadcast frames for a ClientActor at once, in order. The BroadcastActor sends one batch to
/// every recipient when publishes queue up, so fan-out costs one message per recipient per batch
/// instead of one per frame. The same instance (and the same frames) goes to every recipient.
/// </summary>
public sealed class FrameBatch : INoSerializationVerificationNeeded, Akka.Event.IDeadLetterSuppression
{
    public FrameBatch(OutboundFrame[] frames)
    {
        Frames = frames;
        foreach (var frame in frames)
            Cost += OutboundGauge.Cost(frame);
    }

    public OutboundFrame[] Frames { get; }

    /// <summary>What the batch costs while it waits in a queue (see <see cref="OutboundGauge.Cost"/>), summed once for every recipient.</summary>
    public long Cost { get; }
}
