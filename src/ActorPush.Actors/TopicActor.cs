using Akka.Actor;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// One live topic: fans each published frame out to the topic's subscribers, in the order published.
/// Its parent, the <see cref="TopicsActor"/>, owns membership (it death-watches the clients) and tells
/// it who joins and leaves; the parent creates it on the first subscribe and stops it (with a
/// PoisonPill, so publishes already queued are still delivered) when the last subscriber leaves.
/// </summary>
public sealed class TopicActor : UntypedActor
{
    // Recipients in a dense list for a tight fan-out loop, with an index for O(1) removal.
    private readonly List<IActorRef> _recipients = [];
    private readonly Dictionary<IActorRef, int> _positions = [];
    private readonly PushMetrics _metrics;

    public TopicActor() => _metrics = PushMetrics.Get(Context.System);

    public static Props Props() => Akka.Actor.Props.Create(() => new TopicActor());

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
