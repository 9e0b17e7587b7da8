using System.Runtime.CompilerServices;
using Akka.Actor;

namespace ActorPush.Actors;

/// <summary>
/// The parent of every <see cref="ClientActor"/> (<c>"clients"</c>), so that connections are one subtree with one
/// supervision rule instead of thousands of top-level actors under <c>/user</c>. Its rule is to stop a ClientActor
/// that fails: a fault in one connection's outbound side ends that connection (the ClientActor closes it with 1011
/// in <c>PostStop</c>), and the registry and topics forget it by death-watch. A restart would keep a connection
/// whose state is no longer known. It handles no messages of its own.
/// </summary>
/// <remarks>
/// The ClientActors are spread over <see cref="ShardCount"/> shards (<c>/user/clients/0</c> .. <c>/1023</c>), each a
/// parent with the same rule, taken in turn. Akka keeps an actor's children in an immutable tree and copies the path to
/// a child on every add and remove: with all of a node's connections under one parent that path is about 15 nodes, some
/// 2 KB of garbage per connect (the largest single item a connect storm allocated); under a shard of a few dozen it is
/// a fraction of that (19,000 connections: 256 shards allocated 13.6-13.8 KB per connect in all, 1,024 shards 13.0-13.1,
/// 4,096 shards 12.9-13.1, so more shards than this buy little). No message goes through the shards: a ClientActor is
/// made on its shard's cell directly.
/// </remarks>
public sealed class ClientsActor : UntypedActor
{
    public const string Name = "clients";

    /// <summary>Parents the ClientActors are spread over.</summary>
    public const int ShardCount = 1024;

    private static readonly ConditionalWeakTable<IActorRef, Shards> ShardsOf = [];

    public static Props Props() => Akka.Actor.Props.Create(() => new ClientsActor());

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void OnReceive(object message) => Unhandled(message);

    /// <summary>
    /// Starts a "clients" actor with its shards and returns it once every shard can take children (its cell is in
    /// place), so that <see cref="ClientActor.Start"/> never meets a parent that is still being created.
    /// </summary>
    public static IActorRef Start(IActorRefFactory factory, string? name = Name)
    {
        var clients = factory.ActorOf(Props(), name);
        var cell = WaitForCell(clients);
        var shards = new ActorCell[ShardCount];
        for (var i = 0; i < shards.Length; i++)
            shards[i] = WaitForCell(cell.ActorOf(Shard.Props, i.ToString(System.Globalization.CultureInfo.InvariantCulture))); // its cell is built here: found at once
        ShardsOf.Add(clients, new Shards(shards));
        return clients;
    }

    /// <summary>The parent the next ClientActor is attached to: the shards of <paramref name="clients"/> in turn.</summary>
    internal static ActorCell NextParent(IActorRef clients) =>
        ShardsOf.TryGetValue(clients, out var shards) ? shards.Next() : throw new InvalidOperationException("the clients actor has not started");

    private static ActorCell WaitForCell(IActorRef actor)
    {
        ActorCell? cell = null;
        if (!SpinWait.SpinUntil(() => (cell = (actor as ActorRefWithCell)?.Underlying as ActorCell) is not null, TimeSpan.FromSeconds(10)))
            throw new InvalidOperationException($"{actor.Path} did not start within 10 s");
        return cell!;
    }

    private sealed class Shards(ActorCell[] cells)
    {
        private int _next = -1;

        public ActorCell Next() => cells[(int)((uint)Interlocked.Increment(ref _next) % (uint)cells.Length)];
    }

    /// <summary>One shard: a parent of ClientActors with the same stopping rule, and no messages of its own.</summary>
    private sealed class Shard : UntypedActor
    {
        public static readonly Props Props = Akka.Actor.Props.Create(() => new Shard());

        protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

        protected override void OnReceive(object message) => Unhandled(message);
    }
}
