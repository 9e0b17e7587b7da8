using Akka.Actor;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// One live topic: fans each published frame out to the topic's subscribers, in the order published.
/// Its parent, the <see cref="TopicsActor"/>, owns membership (it death-watches the clients) and tells
/// it who joins and leaves; the parent creates it on the first subscribe and stops it (with a
/// PoisonPill, so publishes already queued are still delivered) when the last subscriber leaves. Every publish
/// it is handed holds room in the node's topic gate (<see cref="TopicAdmission.Gate"/>), given back once fanned out.
/// </summary>
public sealed class TopicActor : UntypedActor
{
    private readonly RecipientSet _recipients = new();
    private readonly PushMetrics _metrics;
    private readonly PublishGate _gate;

    public TopicActor(PublishGate gate)
    {
        _gate = gate;
        _metrics = PushMetrics.Get(Context.System);
    }

    public static Props Props(PublishGate gate) => Akka.Actor.Props.Create(() => new TopicActor(gate));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Publish publish:
                _metrics.MessagesDelivered(_recipients.TellAll(publish.Frame));
                _gate.Leave(publish.Frame.Payload.Length);
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
