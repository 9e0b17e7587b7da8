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
    private readonly RecipientSet _recipients = new();
    private readonly PushMetrics _metrics;

    public TopicActor() => _metrics = PushMetrics.Get(Context.System);

    public static Props Props() => Akka.Actor.Props.Create(() => new TopicActor());

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Publish publish:
                _metrics.MessagesDelivered(_recipients.TellAll(publish.Frame));
                break;
            case AddRecipient add:
                _recipients.Add(add.Client);
                break;
            case RemoveRecipient remove:
                _recipients.Remove(remove.Client);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
