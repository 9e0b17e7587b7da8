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
/// when the socket ends (<see cref="Detach"/>), and the registry forgets it by death-watch. It is a child
/// of one of the <see cref="ClientsActor"/>'s shards, which stops it when it fails; it then closes its connection with 1011. Lean because there is one per
/// connection: an <see cref="UntypedActor"/> with four fields, every instance made from one shared
/// <see cref="Props"/>, and the connection handed over in an <see cref="Attach"/> message instead of
/// per-actor Props.
/// </summary>
public sealed class ClientActor : UntypedActor
{
    /// <summary>The one Props every ClientActor is made from, on the lean <see cref="ClientMailbox"/>.</summary>
    private static readonly Props SharedProps =
        Akka.Actor.Props.CreateBy(new Producer()).WithMailbox(Settings.ActorSettings.ClientMailboxPath);

    private IClientConnection? _connection;
    private Mailbox _mailbox = null!;
    private bool _closing;
    private bool _flushPending;

    /// <summary>
    /// Starts the ClientActor of <paramref name="connection"/> as a child of one of the shards of <paramref name="clients"/>
    /// (a <see cref="ClientsActor"/>): it attaches, registers <paramref name="userId"/>'s connection with
    /// <paramref name="registry"/>, and from then on receives what is sent to that user.
    /// </summary>
    /// <remarks>
    /// The child is made on its shard's cell from the caller's thread (Akka's children bookkeeping is lock-free, as
    /// <c>ActorSystem.ActorOf</c> relies on for top-level actors), so a handshake does not wait for a message round trip
    /// through the parent. It is made the way a parent makes a child in its own context (<c>ActorOf</c>, a plain local
    /// reference whose cell is built here) rather than with <c>AttachChild</c>, whose reference starts out unstarted and
    /// queues messages until the parent has processed the child's supervision and built the cell: per connect that is
    /// a queue, an unstarted cell and a repointing step less.
    /// </remarks>
    public static IActorRef Start(IActorRef clients, string userId, IClientConnection connection, IActorRef registry)
    {
        var client = ClientsActor.NextParent(clients).ActorOf(SharedProps);
        client.Tell(new Attach(userId, connection, registry), ActorRefs.NoSender);
        return client;
    }

    protected override void PreStart() =>
        _mailbox = ((ActorCell)Context).Mailbox ?? throw new InvalidOperationException("actor has no mailbox");

    // Stopped: by Detach (the socket ended; nothing to close), by the ClientsActor after a failure (a fault in
    // the transport: the connection is closed with 1011), or with the actor system (the node's shutdown closed
    // the sockets with 1001 before; Close is idempotent, the first close wins).
    protected override void PostStop()
    {
        if (_connection is not null && !_closing)
            Close(CloseCodes.InternalError, CloseCodes.Reasons.InternalError);
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
                Send(new ReadOnlySpan<OutboundFrame>(in frame));
                break;
            case FrameBatch batch:
                Send(batch.Frames);
                break;
            case MailboxOverflowed:
                if (!_closing)
                    SlowConsumer(); // a frame was dropped at the mailbox: this client cannot have them all
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
            case Detach:
                _connection = null; // the socket is gone: nothing left to close
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// Hands frames to the connection, flushing once per burst: when more messages wait in the mailbox, a
    /// FlushOutbound told to self lands behind them, so the burst leaves in one write instead of one write
    /// per message; otherwise the frames are flushed as they are queued. A client whose queue went over
    /// its limit (or whose mailbox had to drop a frame) is a slow consumer: it is closed with 4008, never waited for.
    /// </summary>
    private void Send(ReadOnlySpan<OutboundFrame> frames)
    {
        if (_closing)
            return;
        if (_mailbox.MessageQueue is ClientMessageQueue { Overflowed: true })
        {
            SlowConsumer(); // frames were dropped at the mailbox: this client cannot have them all
            return;
        }

        var flushNow = false;
        if (!_flushPending)
        {
            if (_mailbox.MessageQueue.HasMessages)
            {
                _flushPending = true;
                Self.Tell(FlushOutbound.Instance);
            }
            else
            {
                flushNow = true;
            }
        }

        if (!_connection!.TrySend(frames, flushNow))
            SlowConsumer();
    }

    private void SlowConsumer()
    {
        PushMetrics.Get(Context.System).SlowConsumerDisconnected();
        Close(CloseCodes.SlowConsumer, CloseCodes.Reasons.SlowConsumer);
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

    /// <summary>The connection ended: stop without closing it (see <see cref="PostStop"/>).</summary>
    public sealed class Detach : INoSerializationVerificationNeeded
    {
        public static readonly Detach Instance = new();

        private Detach()
        {
        }
    }
}
