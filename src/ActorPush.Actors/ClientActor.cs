using Akka.Actor;
using Akka.Dispatch;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors;

/// <summary>
/// One per connection: owns the connection's outbound side. It registers with the RegistryActor,
/// hands every frame it is told to the connection's bounded queue, and closes a slow consumer with
/// 4008. It lives exactly as long as the connection: the Host stops it when the socket ends, and
/// the registry forgets it by death-watch. An <see cref="UntypedActor"/> because it is on the hot
/// path and exists once per connection.
/// </summary>
public sealed class ClientActor : UntypedActor
{
    private readonly string _userId;
    private readonly IClientConnection _connection;
    private readonly IActorRef _registry;
    private readonly PushMetrics _metrics;
    private bool _closing;
    private bool _flushPending;
    private Mailbox _mailbox = null!;

    public ClientActor(string userId, IClientConnection connection, IActorRef registry)
    {
        _userId = userId;
        _connection = connection;
        _registry = registry;
        _metrics = PushMetrics.Get(Context.System);
    }

    /// <summary>
    /// Props for one connection's actor, on the lean <see cref="ClientMailbox"/>. Built with a small
    /// producer instead of an expression, so a connect storm does not pay for expression evaluation.
    /// </summary>
    public static Props Props(string userId, IClientConnection connection, IActorRef registry) =>
        Akka.Actor.Props.CreateBy(new Producer(userId, connection, registry))
            .WithMailbox(Settings.ActorPushSettings.ClientMailboxPath);

    protected override void PreStart()
    {
        _mailbox = ((ActorCell)Context).Mailbox ?? throw new InvalidOperationException("actor has no mailbox");
        _registry.Tell(new Register(_userId, Self));
    }

    // A restart keeps the registration it already has: registering again would count the connection twice.
    protected override void PostRestart(Exception reason)
    {
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case OutboundFrame frame:
                if (Offer(frame))
                    FlushSoon();
                break;
            case FrameBatch batch:
                var queued = false;
                foreach (var frame in batch.Frames)
                {
                    if (!Offer(frame))
                        break;
                    queued = true;
                }

                if (queued)
                    FlushSoon();
                break;
            case FlushOutbound:
                _flushPending = false;
                _connection.Flush();
                break;
            case RecipientAdded:
                _connection.Joined();
                break;
            case Disconnect disconnect:
                Close(disconnect.Code, disconnect.Reason);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>Queues a frame on the connection. False when closing, or when the client turned out to be a slow consumer (it is then closed with 4008).</summary>
    private bool Offer(OutboundFrame frame)
    {
        if (_closing)
            return false;
        if (_connection.TrySend(frame))
            return true;

        // The client stopped reading and its queue passed the limit: cut it off, never wait on it.
        _metrics.SlowConsumerDisconnected();
        Close(CloseCodes.SlowConsumer, CloseCodes.Reasons.SlowConsumer);
        return false;
    }

    /// <summary>
    /// Flushes once per burst: when more messages wait in the mailbox, a FlushOutbound told to self lands
    /// behind them, so the burst leaves in one write instead of one write per frame; otherwise now.
    /// </summary>
    private void FlushSoon()
    {
        if (_flushPending)
            return;
        if (_mailbox.MessageQueue.HasMessages)
        {
            _flushPending = true;
            Self.Tell(FlushOutbound.Instance);
        }
        else
        {
            _connection.Flush();
        }
    }

    private void Close(ushort code, string reason)
    {
        _closing = true;
        _connection.Close(code, reason);
    }

    private sealed class Producer(string userId, IClientConnection connection, IActorRef registry) : IIndirectActorProducer
    {
        public Type ActorType => typeof(ClientActor);

        public ActorBase Produce() => new ClientActor(userId, connection, registry);

        public void Release(ActorBase actor)
        {
        }
    }

    private sealed class FlushOutbound : INoSerializationVerificationNeeded
    {
        public static readonly FlushOutbound Instance = new();
    }
}
