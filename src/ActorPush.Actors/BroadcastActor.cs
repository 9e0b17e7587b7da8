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
    // Recipients in a dense list for a tight fan-out loop, with an index for O(1) removal.
    private readonly List<IActorRef> _recipients = [];
    private readonly Dictionary<IActorRef, int> _positions = [];
    private readonly List<OutboundFrame> _pending = [];
    private readonly PushMetrics _metrics;
    private Mailbox _mailbox = null!;
    private bool _batchMarkerQueued;

    /// <summary>Most frames collected into one batch.</summary>
    public const int MaxBatch = 64;

    public BroadcastActor() => _metrics = PushMetrics.Get(Context.System);

    protected override void PreStart() => _mailbox = ((ActorCell)Context).Mailbox;

    public static Props Props() =>
        Akka.Actor.Props.Create(() => new BroadcastActor())
            .WithMailbox(Settings.ActorPushSettings.BroadcastMailboxPath);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Publish publish:
                Collect(publish.Frame);
                break;
            case AddRecipient add:
                FanOutPending(); // membership changes apply between batches, in mailbox order
                if (_positions.TryAdd(add.Client, _recipients.Count))
                    _recipients.Add(add.Client);
                break;
            case SendBatch:
                _batchMarkerQueued = false;
                FanOutPending();
                break;
            case RemoveRecipient remove:
                FanOutPending();
                Remove(remove.Client);
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
        var recipients = _recipients;
        for (var i = 0; i < recipients.Count; i++)
            recipients[i].Tell(message, ActorRefs.NoSender);
        _metrics.MessagesDelivered(recipients.Count * _pending.Count);
        _pending.Clear();
    }

    private void Remove(IActorRef client)
    {
        if (!_positions.Remove(client, out var position))
            return;

        // Swap the last recipient into the hole so the list stays dense.
        var last = _recipients.Count - 1;
        if (position != last)
        {
            var moved = _recipients[last];
            _recipients[position] = moved;
            _positions[moved] = position;
        }

        _recipients.RemoveAt(last);
    }

    private sealed class SendBatch : INoSerializationVerificationNeeded
    {
        public static readonly SendBatch Instance = new();
    }
}
