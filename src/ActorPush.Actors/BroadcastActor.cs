using Akka.Actor;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// Replaces the seed's 1024-slot channel: one actor on a bounded mailbox (<see cref="PublishMailbox"/>)
/// that tells every registered client each published frame. Being one actor gives one global order
/// per node: every client sees the broadcasts in the order this actor processed them. It never
/// waits on a client; slow ones are cut off by their own ClientActor.
/// </summary>
public sealed class BroadcastActor : UntypedActor
{
    // Recipients in a dense list for a tight fan-out loop, with an index for O(1) removal.
    private readonly List<IActorRef> _recipients = [];
    private readonly Dictionary<IActorRef, int> _positions = [];
    private readonly PushMetrics _metrics;

    public BroadcastActor() => _metrics = PushMetrics.Get(Context.System);

    public static Props Props() =>
        Akka.Actor.Props.Create(() => new BroadcastActor())
            .WithMailbox(Settings.ActorPushSettings.BroadcastMailboxPath);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Publish publish:
                FanOut(publish);
                break;
            case AddRecipient add:
                if (_positions.TryAdd(add.Client, _recipients.Count))
                    _recipients.Add(add.Client);
                break;
            case RemoveRecipient remove:
                Remove(remove.Client);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void FanOut(Publish publish)
    {
        _metrics.MessageIn();
        var frame = publish.Frame;
        var recipients = _recipients;
        for (var i = 0; i < recipients.Count; i++)
            recipients[i].Tell(frame, ActorRefs.NoSender);
        _metrics.MessagesDelivered(recipients.Count);
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
}
