using Akka.Actor;
using Akka.Dispatch;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors;

/// <summary>
/// One per connection: owns the connection's outbound side. Once attached to its connection it
/// registers with the RegistryActor, hands every frame it is told to the connection's bounded queue,
/// and closes a slow consumer with 4008. It lives exactly as long as the connection: the Host stops it
/// when the socket ends, and the registry forgets it by death-watch. Lean because there is one per
/// connection: an <see cref="UntypedActor"/> with four fields, every instance made from one shared
/// <see cref="Props"/>, and the connection handed over in an <see cref="Attach"/> message instead of
/// per-actor Props.
/// </summary>
public sealed class ClientActor : UntypedActor
{
    /// <summary>The one Props every ClientActor is made from, on the lean <see cref="ClientMailbox"/>.</summary>
    private static readonly Props SharedProps =
        Akka.Actor.Props.CreateBy(new Producer()).WithMailbox(Settings.ActorPushSettings.ClientMailboxPath);

    private IClientConnection? _connection;
    private Mailbox _mailbox = null!;
    private bool _closing;
    private bool _flushPending;

    /// <summary>
    /// Starts the ClientActor of <paramref name="connection"/>: it attaches, registers <paramref name="userId"/>'s
    /// connection with <paramref name="registry"/>, and from then on receives what is sent to that user.
    /// </summary>
    public static IActorRef Start(IActorRefFactory factory, string userId, IClientConnection connection, IActorRef registry)
    {
        var client = factory.ActorOf(SharedProps);
        client.Tell(new Attach(userId, connection, registry), ActorRefs.NoSender);
        return client;
    }

    protected override void PreStart() =>
        _mailbox = ((ActorCell)Context).Mailbox ?? throw new InvalidOperationException("actor has no mailbox");

    // A failure (a fault in the transport) ends the connection with 1011; the supervisor's restart makes a
    // fresh, unattached instance behind the same ActorRef, which keeps its one registration (registering
    // again would count the connection twice) and is stopped when the socket ends.
    protected override void PreRestart(Exception reason, object message)
    {
        if (_connection is not null && !_closing)
            Close(CloseCodes.InternalError, CloseCodes.Reasons.InternalError);
    }

    protected override void PostRestart(Exception reason)
    {
    }

    protected override void OnReceive(object message)
    {
        if (_connection is null)
        {
            // Attach is the first message a ClientActor gets (Start tells it before anyone else knows the actor).
            if (message is Attach attach)
            {
                _connection = attach.Connection;
                attach.Registry.Tell(new Register(attach.UserId, Self));
            }
            else
            {
                Unhandled(message);
            }

            return;
        }

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
        if (_connection!.TrySend(frame))
            return true;

        // The client stopped reading and its queue passed the limit: cut it off, never wait on it.
        PushMetrics.Get(Context.System).SlowConsumerDisconnected();
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
            _connection!.Flush();
        }
    }

    private void Close(ushort code, string reason)
    {
        _closing = true;
        _connection!.Close(code, reason);
    }

    private sealed class Producer : IIndirectActorProducer
    {
        public Type ActorType => typeof(ClientActor);

        public ActorBase Produce() => new ClientActor();

        public void Release(ActorBase actor)
        {
        }
    }

    /// <summary>The first message of every ClientActor: its connection, and whom to register it with.</summary>
    private sealed record Attach(string UserId, IClientConnection Connection, IActorRef Registry) : INoSerializationVerificationNeeded;

    private sealed class FlushOutbound : INoSerializationVerificationNeeded
    {
        public static readonly FlushOutbound Instance = new();
    }
}
