using ActorPush.Actors.Metrics;
using ActorPush.Actors.Push;
using ActorPush.Host.Configuration;
using ActorPush.Actors.Transport;
using ActorPush.Host.Handshake;
using ActorPush.Host.Transport;

namespace ActorPush.Host.Sessions;

/// <summary>
/// What one accepted connection means to the push machinery: its push client (ClientActor and topic
/// subscriptions, started through the <see cref="IPushBroker"/> seam), and what happens to the messages the
/// client sends. The transport owns the socket and calls in here; it knows nothing of actors or nodes.
/// </summary>
internal sealed class ClientSession : IConnectionHandler
{
    private readonly PushClient _client;
    private readonly IPushBroker _push;
    private readonly PushMetrics _metrics;
    private readonly PublishMode _publish;
    private readonly RateLimiter? _rateLimiter;
    private readonly RateLimiter? _byteLimiter;
    private readonly ConnectionLease? _lease;
    private EnvelopeRequests? _envelopes;
    private bool _rateLimited;

    private ClientSession(PushClient client, ClientSessionContext context, ConnectionLease? lease)
    {
        _client = client;
        _push = context.Push;
        _metrics = PushMetrics.Get(context.System);
        _publish = context.Settings.Publish;
        _lease = lease;
        if (context.Settings.RateLimit > 0)
            _rateLimiter = new RateLimiter(context.Settings.RateLimit, context.Settings.RateLimitBurst);
        if (context.Settings.RateLimitBytes > 0)
            _byteLimiter = new RateLimiter(context.Settings.RateLimitBytes, Math.Max(context.Settings.RateLimitBytes, context.Settings.MaxMessageSize));
    }

    /// <summary>The client's address as its handshake resolved it (behind a trusted proxy, the one forwarded); for logs.</summary>
    public System.Net.IPAddress? Address => _lease?.Address;

    /// <summary>
    /// Starts the connection's push client and subscribes it to the handshake's topics. The session owns
    /// <paramref name="accepted"/>'s connection lease from here on and releases it in <see cref="End"/>.
    /// </summary>
    /// <param name="enveloped">The client speaks actorpush.v1: its messages are requests (<see cref="EnvelopeRequests"/>).</param>
    public static ClientSession Start(Accepted accepted, IClientConnection connection, ClientSessionContext context, bool enveloped = false)
    {
        try
        {
            var client = context.Push.Connect(accepted.UserId, accepted.Topics, connection);
            return new ClientSession(client, context, accepted.Lease)
            {
                _envelopes = enveloped ? new EnvelopeRequests(connection, client, context, accepted) : null,
            };
        }
        catch
        {
            accepted.Lease?.Dispose();
            throw;
        }
    }

    /// <summary>Whether a message the client sends comes back to it too (it is broadcast to everyone, the sender included).</summary>
    public bool EchoesToSender => _envelopes is null && _publish == PublishMode.Broadcast;

    /// <summary>The node's counters (the transport counts what it hands to the socket there).</summary>
    public PushMetrics Metrics => _metrics;

    /// <summary>
    /// A whole message arrived from the client (<paramref name="payload"/> is copied before this returns). Returns 0
    /// to go on, or a close code to close the connection with. A client's publish is never refused for the server's load
    /// (nor dropped): it enters the fan-out over the mailbox's limit, and backpressure slows the sender.
    /// </summary>
    public ushort OnMessage(ReadOnlySpan<byte> payload, FrameKind kind)
    {
        if (OverRateLimit(payload.Length))
            return CloseCodes.RateLimited;
        _metrics.ClientMessageReceived();
        if (_envelopes is not null)
            _envelopes.OnMessage(payload, kind);
        else if (_publish == PublishMode.Broadcast)
            _push.Publish(PushTarget.Everyone, payload, kind, Admission.Always); // never refused: backpressure slows the sender instead
        else
            _metrics.ClientFrameDiscarded();
        return 0;
    }

    /// <summary>A ping arrived: it counts against the rate limits like a message. Returns 0 to go on, or a close code.</summary>
    public ushort OnPing(int payloadLength) => OverRateLimit(payloadLength) ? CloseCodes.RateLimited : (ushort)0;

    /// <summary>Whether a message or ping of <paramref name="bytes"/> goes over a rate limit (counted once per connection).</summary>
    private bool OverRateLimit(int bytes)
    {
        if (_rateLimited)
            return true; // frames the transport had already read: still refused, counted once
        if ((_rateLimiter is null || _rateLimiter.TryTake()) && (_byteLimiter is null || _byteLimiter.TryTake(bytes)))
            return false;
        _rateLimited = true;
        _metrics.RateLimitDisconnected();
        return true;
    }

    /// <summary>The connection ended: its push client leaves (registry and topics forget it by death-watch) and its slot is freed.</summary>
    public void End()
    {
        _client.Leave();
        _lease?.Dispose();
    }
}
