using Akka.Actor;

namespace ActorPush.Actors.Push;

/// <summary>The push side of one connection, as <see cref="IPushBroker.Connect"/> started it.</summary>
public sealed class PushClient
{
    private readonly IActorRef _client;

    internal PushClient(IActorRef client) => _client = client;

    /// <summary>The connection ended: stop its ClientActor (registry and topics forget it by death-watch).</summary>
    public void Leave() => _client.Tell(PoisonPill.Instance, ActorRefs.NoSender);
}
