using Akka.Actor;
using ActorPush.Actors.Messages;

namespace ActorPush.Actors.Push;

/// <summary>
/// The push side of one connection, as <see cref="IPushBroker.Connect"/> started it. A struct: the connection's session
/// holds its two references inline (an object of its own would be 32 bytes more per connection).
/// </summary>
public readonly struct PushClient
{
    private readonly IActorRef _client;
    private readonly IActorRef _topics;

    internal PushClient(IActorRef client, IActorRef topics)
    {
        _client = client;
        _topics = topics;
    }

    /// <summary>
    /// Subscribes this connection to <paramref name="topic"/> on its own node (where topic fan-out to it happens), as
    /// an actorpush.v1 client asks on a live connection. Told: a publish to the topic handed to the node after this
    /// returns reaches the connection.
    /// </summary>
    public void Subscribe(string topic) => _topics.Tell(new Messages.Subscribe(topic, _client), ActorRefs.NoSender);

    /// <summary>Unsubscribes this connection from <paramref name="topic"/>.</summary>
    public void Unsubscribe(string topic) => _topics.Tell(new Messages.Unsubscribe(topic, _client), ActorRefs.NoSender);

    /// <summary>The connection ended: stop its ClientActor (registry and topics forget it by death-watch).</summary>
    public void Leave() => _client.Tell(ClientActor.Detach.Instance, ActorRefs.NoSender);
}
