using Akka.Actor;
using ActorPush.Actors;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;

namespace ActorPush.Host.Sessions;

/// <summary>
/// What one accepted connection means to the actor system: its ClientActor, its topic subscriptions,
/// and what happens to the frames the client sends. The transport owns the socket and calls in here;
/// it knows nothing of actors.
/// </summary>
internal sealed class ClientSession
{
    private readonly IActorRef _client;
    private readonly IActorRef _broadcast;
    private readonly PushMetrics _metrics;
    private readonly PublishMode _publish;
    private readonly RateLimiter? _rateLimiter;
    private readonly ConnectionLease? _lease;
    private bool _rateLimited;

    private ClientSession(IActorRef client, ClientSessionContext context, ConnectionLease? lease)
    {
        _client = client;
        _broadcast = context.Broadcast;
        _metrics = PushMetrics.Get(context.System);
        _publish = context.Settings.Publish;
        _lease = lease;
        if (context.Settings.RateLimit > 0)
            _rateLimiter = new RateLimiter(context.Settings.RateLimit, context.Settings.RateLimitBurst);
    }

    /// <summary>
    /// Starts the connection's ClientActor and subscribes it to the handshake's topics. The session owns
    /// <paramref name="accepted"/>'s connection lease from here on and releases it in <see cref="End"/>.
    /// </summary>
    public static ClientSession Start(Accepted accepted, IClientConnection connection, ClientSessionContext context)
    {
        try
        {
            var client = ClientActor.Start(context.System, accepted.UserId, connection, context.Registry);
            foreach (var topic in accepted.Topics)
                context.Topics.Tell(new Subscribe(topic, client), ActorRefs.NoSender);
            return new ClientSession(client, context, accepted.Lease);
        }
        catch
        {
            accepted.Lease?.Dispose();
            throw;
        }
    }

    /// <summary>A whole message arrived from the client. Returns 0 to go on, or a close code to close the connection with.</summary>
    public ushort OnMessage(OutboundFrame frame)
    {
        if (_rateLimited)
            return CloseCodes.RateLimited; // frames the transport had already read: still refused, counted once
        if (_rateLimiter is not null && !_rateLimiter.TryTake())
        {
            _rateLimited = true;
            _metrics.RateLimitDisconnected();
            return CloseCodes.RateLimited;
        }

        if (_publish == PublishMode.Broadcast)
            _broadcast.Tell(new Publish(frame), ActorRefs.NoSender);
        else
            _metrics.ClientFrameDiscarded();
        return 0;
    }

    /// <summary>The connection ended: stop the ClientActor (registry and topics forget it by death-watch) and free its slot.</summary>
    public void End()
    {
        _client.Tell(PoisonPill.Instance);
        _lease?.Dispose();
    }
}
