using Akka.Actor;
using ActorPush.Actors.Messages;

namespace ActorPush.Actors;

/// <summary>
/// Knows who is connected: user_id to that user's ClientActors (a user may hold many connections).
/// Every registered client is death-watched; whatever ends it, the registry forgets it and tells the
/// BroadcastActor to stop sending to it.
/// </summary>
public sealed class RegistryActor : ReceiveActor
{
    private readonly Dictionary<string, List<IActorRef>> _users = new(StringComparer.Ordinal);
    private readonly IActorRef _broadcast;
    private int _connections;

    public RegistryActor(IActorRef broadcast)
    {
        _broadcast = broadcast;
        Receive<Register>(Handle);
        Receive<ClientTerminated>(Handle);
        Receive<GetRegistryStats>(_ => Sender.Tell(new RegistryStats(_connections, _users.Count)));
        Receive<GetUserPresence>(Handle);
    }

    public static Props Props(IActorRef broadcast) => Akka.Actor.Props.Create(() => new RegistryActor(broadcast));

    private void Handle(Register register)
    {
        if (!_users.TryGetValue(register.UserId, out var clients))
        {
            clients = new List<IActorRef>(1);
            _users.Add(register.UserId, clients);
        }

        clients.Add(register.Client);
        _connections++;
        Context.WatchWith(register.Client, new ClientTerminated(register.UserId, register.Client));
        _broadcast.Tell(new AddRecipient(register.Client));
    }

    private void Handle(ClientTerminated terminated)
    {
        if (!_users.TryGetValue(terminated.UserId, out var clients) || !clients.Remove(terminated.Client))
            return;

        _connections--;
        if (clients.Count == 0)
            _users.Remove(terminated.UserId);
        _broadcast.Tell(new RemoveRecipient(terminated.Client));
    }

    private void Handle(GetUserPresence query)
    {
        var count = _users.TryGetValue(query.UserId, out var clients) ? clients.Count : 0;
        Sender.Tell(new UserPresence(query.UserId, count));
    }
}
