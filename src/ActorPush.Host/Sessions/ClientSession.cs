using Akka.Actor;
using ActorPush.Actors;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Settings;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;

namespace ActorPush.Host.Sessions;

/// <summary>
/// What one accepted connection means to the actor system: its ClientActor, and what happens to the
/// frames the client sends. The transport owns the socket and calls in here; it knows nothing of actors.
/// </summary>
internal sealed class ClientSession
{
    private readonly IActorRef _client;
    private readonly IActorRef _broadcast;
    private readonly PushMetrics _metrics;
    private readonly PublishMode _publish;

    private ClientSession(IActorRef client, IActorRef broadcast, PushMetrics metrics, PublishMode publish)
    {
        _client = client;
        _broadcast = broadcast;
        _metrics = metrics;
        _publish = publish;
    }

    public static ClientSession Start(Accepted accepted, IClientConnection connection, ClientSessionContext context)
    {
        var client = context.System.ActorOf(ClientActor.Props(accepted.UserId, connection, context.Registry));
        return new ClientSession(client, context.Broadcast, PushMetrics.Get(context.System), context.Settings.Publish);
    }

    /// <summary>A whole message arrived from the client. Returns 0 to go on, or a close code to close the connection with.</summary>
    public ushort OnMessage(OutboundFrame frame)
    {
        if (_publish == PublishMode.Broadcast)
            _broadcast.Tell(new Publish(frame), ActorRefs.NoSender);
        else
            _metrics.ClientFrameDiscarded();
        return 0;
    }

    /// <summary>The connection ended: stop the ClientActor (the registry forgets it by death-watch).</summary>
    public void End() => _client.Tell(PoisonPill.Instance);
}
