using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Akka.Actor;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// Knows who is connected: user_id to that user's ClientActors (a user may hold many connections).
/// Every registered client is death-watched; whatever ends it, the registry forgets it and tells the
/// BroadcastActor to stop sending to it. Everything addressed to a user (server pushes, kicks,
/// server-side subscriptions) goes through here, since only the registry knows a user's connections.
/// </summary>
public sealed class RegistryActor : ReceiveActor
{
    private readonly Dictionary<string, UserClients> _users = new(StringComparer.Ordinal);
    private readonly IActorRef _broadcast;
    private readonly IActorRef _topics;
    private readonly PushMetrics _metrics;
    private int _connections;

    public RegistryActor(IActorRef broadcast, IActorRef topics)
    {
        _broadcast = broadcast;
        _topics = topics;
        _metrics = PushMetrics.Get(Context.System);
        Receive<Register>(Handle);
        Receive<PushToUser>(Handle);
        Receive<DisconnectUser>(Handle);
        Receive<SubscribeUser>(subscribe => ForEachClient(subscribe.UserId, client => _topics.Tell(new Subscribe(subscribe.Topic, client))));
        Receive<UnsubscribeUser>(unsubscribe => ForEachClient(unsubscribe.UserId, client => _topics.Tell(new Unsubscribe(unsubscribe.Topic, client))));
        Receive<ClientTerminated>(Handle);
        Receive<GetRegistryStats>(_ => Sender.Tell(new RegistryStats(_connections, _users.Count)));
        Receive<GetUserPresence>(Handle);
    }

    /// <param name="broadcast">The BroadcastActor, told about every client that joins or leaves.</param>
    /// <param name="topics">The TopicsActor, for server-side subscriptions; none: they go nowhere.</param>
    public static Props Props(IActorRef broadcast, IActorRef? topics = null)
    {
        var topicsOrNobody = topics ?? ActorRefs.Nobody;
        return Akka.Actor.Props.Create(() => new RegistryActor(broadcast, topicsOrNobody));
    }

    private void Handle(Register register)
    {
        CollectionsMarshal.GetValueRefOrAddDefault(_users, register.UserId, out _).Add(register.Client);
        _connections++;
        _metrics.SetUsers(_users.Count);
        Context.WatchWith(register.Client, new ClientTerminated(register.UserId, register.Client));
        _broadcast.Tell(new AddRecipient(register.Client, Acknowledge: true));
    }

    private void Handle(ClientTerminated terminated)
    {
        ref var clients = ref CollectionsMarshal.GetValueRefOrNullRef(_users, terminated.UserId);
        if (Unsafe.IsNullRef(ref clients) || !clients.Remove(terminated.Client))
            return;

        _connections--;
        if (clients.Count == 0)
            _users.Remove(terminated.UserId);
        _metrics.SetUsers(_users.Count);
        _broadcast.Tell(new RemoveRecipient(terminated.Client));
    }

    private void Handle(GetUserPresence query)
    {
        var count = _users.TryGetValue(query.UserId, out var clients) ? clients.Count : 0;
        Sender.Tell(new UserPresence(query.UserId, count));
    }

    private void Handle(PushToUser push)
    {
        _metrics.MessageIn();
        if (!_users.TryGetValue(push.UserId, out var clients))
            return;
        clients.ForEach(push.Frame, static (client, frame) => client.Tell(frame, ActorRefs.NoSender)); // the same frame (and bytes) for every connection
        _metrics.MessagesDelivered(clients.Count);
    }

    private void Handle(DisconnectUser disconnect) =>
        ForEachClient(disconnect.UserId, client => client.Tell(new Disconnect(disconnect.Code, disconnect.Reason), ActorRefs.NoSender));

    private void ForEachClient(string userId, Action<IActorRef> action)
    {
        if (_users.TryGetValue(userId, out var clients))
            clients.ForEach(action, static (client, act) => act(client));
    }

    /// <summary>
    /// One user's connections. Nearly every user holds exactly one, so that one sits inline and a list
    /// exists only for users with several: a registered connection costs no list and no array.
    /// </summary>
    private struct UserClients
    {
        private IActorRef? _single;
        private List<IActorRef>? _many;

        public readonly int Count => _many?.Count ?? (_single is null ? 0 : 1);

        public void Add(IActorRef client)
        {
            if (_many is not null)
                _many.Add(client);
            else if (_single is null)
                _single = client;
            else
            {
                _many = [_single, client];
                _single = null;
            }
        }

        public bool Remove(IActorRef client)
        {
            if (_many is not null)
                return _many.Remove(client);
            if (!client.Equals(_single))
                return false;
            _single = null;
            return true;
        }

        public readonly void ForEach<TState>(TState state, Action<IActorRef, TState> action)
        {
            if (_many is not null)
            {
                foreach (var client in _many)
                    action(client, state);
            }
            else if (_single is not null)
            {
                action(_single, state);
            }
        }
    }
}
