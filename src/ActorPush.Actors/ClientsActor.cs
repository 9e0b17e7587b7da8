using Akka.Actor;

namespace ActorPush.Actors;

/// <summary>
/// The parent of every <see cref="ClientActor"/> (<c>"clients"</c>), so that connections are one subtree with one
/// supervision rule instead of thousands of top-level actors under <c>/user</c>. Its rule is to stop a ClientActor
/// that fails: a fault in one connection's outbound side ends that connection (the ClientActor closes it with 1011
/// in <c>PostStop</c>), and the registry and topics forget it by death-watch. A restart would keep a connection
/// whose state is no longer known. It handles no messages of its own.
/// </summary>
public sealed class ClientsActor : UntypedActor
{
    public const string Name = "clients";

    public static Props Props() => Akka.Actor.Props.Create(() => new ClientsActor());

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void OnReceive(object message) => Unhandled(message);

    /// <summary>
    /// Starts a "clients" actor and returns it once it can take children (its cell is in place), so that
    /// <see cref="ClientActor.Start"/> never meets a parent that is still being created.
    /// </summary>
    public static IActorRef Start(IActorRefFactory factory, string? name = Name)
    {
        var clients = factory.ActorOf(Props(), name);
        if (!SpinWait.SpinUntil(() => Cell(clients) is not null, TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException("the clients actor did not start within 10 s");
        return clients;
    }

    /// <summary>The parent's cell, on which <see cref="ClientActor.Start"/> creates children; null until it started.</summary>
    internal static ActorCell? Cell(IActorRef clients) => (clients as ActorRefWithCell)?.Underlying as ActorCell;
}
