using Akka.Actor;
using Akka.Dispatch;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Transport;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// Replaces the seed's 1024-slot channel: one actor on a bounded mailbox (<see cref="PublishMailbox"/>)
/// that tells every registered client each published frame. Being one actor gives one global order
/// per node: every client sees the broadcasts in the order this actor processed them. It never
/// waits on a client; slow ones are cut off by their own ClientActor.
///
/// Under load publishes queue up in the mailbox; then the actor collects them (up to
/// <see cref="MaxBatch"/>) and tells each recipient one <see cref="FrameBatch"/>, so the cost per
/// recipient is paid once per batch. With nothing queued behind it a publish goes out at once, alone.
/// </summary>
public sealed class BroadcastActor : UntypedActor
{
    private readonly RecipientSet _recipients = new();
    private readonly List<OutboundFrame> _pending = [];
    private readonly PushMetrics _metrics;
    private Mailbox _mailbox = null!;
    private bool _batchMarkerQueued;

    /// <summary>Most frames collected into one batch.</summary>
    public const int MaxBatch = 64;

    public BroadcastActor() => _metrics = PushMetrics.Get(Context.System);

    protected override void PreStart() => _mailbox = ((ActorCell)Context).Mailbox ?? throw new InvalidOperationException("actor has no mailbox");

    public static Props Props() =>
        Akka.Actor.Props.Create(() => new BroadcastActor())
            .WithMailbox(Settings.ActorSettings.BroadcastMailboxPath);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Publish publish:
                Collect(publish.Frame);
                break;
            case AddRecipient add:
                FanOutPending(); // membership changes apply between batches, in mailbox order
                _recipients.Add(add.Client);
                if (add.Acknowledge)
                    add.Client.Tell(RecipientAdded.Instance);
                break;
            case SendBatch:
                _batchMarkerQueued = false;
                FanOutPending();
                break;
            case RemoveRecipient remove:
                FanOutPending();
                _recipients.Remove(remove.Client);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Collect(OutboundFrame frame)
    {
        _metrics.MessageIn();
        _pending.Add(frame);
        if (_pending.Count >= MaxBatch || !_mailbox.MessageQueue.HasMessages)
        {
            FanOutPending();
            return;
        }

        // More is queued behind this publish: collect it, and send the batch when the marker told to
        // self comes up (behind everything queued now), whatever else arrives in between.
        if (!_batchMarkerQueued)
        {
            _batchMarkerQueued = true;
            Self.Tell(SendBatch.Instance);
        }
    }

    private void FanOutPending()
    {
        if (_pending.Count == 0)
            return;

        // One message for every recipient, shared by all of them: the frame itself, or a batch.
        object message = _pending.Count == 1 ? _pending[0] : new FrameBatch([.. _pending]);
        if (_metrics.BatchSize.Enabled)
            _metrics.BatchSize.Record(_pending.Count);
        _metrics.MessagesDelivered(_recipients.TellAll(message) * _pending.Count);
        _pending.Clear();
    }

    private sealed class SendBatch : INoSerializationVerificationNeeded
    {
        public static readonly SendBatch Instance = new();
    }
}
