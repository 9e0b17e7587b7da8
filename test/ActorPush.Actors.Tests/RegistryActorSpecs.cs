using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

public sealed class RegistryActorSpecs : TestKit
{
    private readonly TestProbe _broadcast;

    public RegistryActorSpecs(ITestOutputHelper output)
        : base(ShippedConfig.Load(), output: output) =>
        _broadcast = CreateTestProbe("broadcast");

    [Fact]
    public void Registry_counts_a_registered_client_in_stats_and_presence()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(_broadcast.Ref));
        var client = CreateTestProbe().Ref;

        registry.Tell(new Register("alice", client));

        Assert.Equal(new RegistryStats(1, 1), Stats(registry));
        var presence = Presence(registry, "alice");
        Assert.Equal(1, presence.Connections);
        Assert.True(presence.Online);
    }

    [Fact]
    public void Registry_reports_an_unknown_user_as_offline()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(_broadcast.Ref));

        Assert.Equal(new UserPresence("nobody", 0), Presence(registry, "nobody"));
        Assert.False(Presence(registry, "nobody").Online);
        Assert.Equal(new RegistryStats(0, 0), Stats(registry));
    }

    [Fact]
    public void Registry_counts_every_connection_of_a_user()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(_broadcast.Ref));

        for (var i = 0; i < 3; i++)
            registry.Tell(new Register("alice", CreateTestProbe().Ref));
        registry.Tell(new Register("bob", CreateTestProbe().Ref));

        Assert.Equal(new RegistryStats(Connections: 4, Users: 2), Stats(registry));
        Assert.Equal(3, Presence(registry, "alice").Connections);
        Assert.Equal(1, Presence(registry, "bob").Connections);
    }

    [Fact]
    public void Registry_tells_broadcast_to_add_every_registered_client()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(_broadcast.Ref));
        var first = CreateTestProbe().Ref;
        var second = CreateTestProbe().Ref;

        registry.Tell(new Register("alice", first));
        registry.Tell(new Register("alice", second));

        _broadcast.ExpectMsg(new AddRecipient(first, Acknowledge: true));
        _broadcast.ExpectMsg(new AddRecipient(second, Acknowledge: true));
    }

    [Fact]
    public void Registry_keeps_a_users_other_connections_when_one_closes()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(_broadcast.Ref));
        var closing = Sys.ActorOf(Props.Create<IdleClient>());
        var staying = Sys.ActorOf(Props.Create<IdleClient>());
        registry.Tell(new Register("alice", closing));
        registry.Tell(new Register("alice", staying));
        _broadcast.ExpectMsg(new AddRecipient(closing, Acknowledge: true));
        _broadcast.ExpectMsg(new AddRecipient(staying, Acknowledge: true));

        Sys.Stop(closing);

        _broadcast.ExpectMsg(new RemoveRecipient(closing));
        Assert.Equal(new UserPresence("alice", 1), Presence(registry, "alice"));
        Assert.Equal(new RegistryStats(1, 1), Stats(registry));
        this.AwaitProcessed(registry);
        _broadcast.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the staying client is not removed
    }

    [Theory]
    [InlineData(Ending.Stop)]
    [InlineData(Ending.PoisonPill)]
    [InlineData(Ending.Kill)]
    [InlineData(Ending.CrashUnderStoppingSupervisor)]
    public void Registry_removes_a_client_when_its_actor_terminates(Ending ending)
    {
        var registry = Sys.ActorOf(RegistryActor.Props(_broadcast.Ref));
        var client = StartClient(ending);
        registry.Tell(new Register("alice", client));
        _broadcast.ExpectMsg(new AddRecipient(client, Acknowledge: true));
        Assert.Equal(new RegistryStats(1, 1), Stats(registry));

        End(client, ending);

        _broadcast.ExpectMsg(new RemoveRecipient(client));
        Assert.Equal(new RegistryStats(0, 0), Stats(registry));
        Assert.Equal(new UserPresence("alice", 0), Presence(registry, "alice"));
    }

    [Fact]
    public void Registry_forgets_a_client_that_was_already_dead_when_it_registered()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(_broadcast.Ref));
        var dead = Sys.ActorOf(Props.Create<IdleClient>());
        Watch(dead);
        Sys.Stop(dead);
        ExpectTerminated(dead);

        registry.Tell(new Register("alice", dead));

        _broadcast.ExpectMsg(new AddRecipient(dead, Acknowledge: true));
        _broadcast.ExpectMsg(new RemoveRecipient(dead));
        Assert.Equal(new RegistryStats(0, 0), Stats(registry));
    }

    public enum Ending
    {
        Stop,
        PoisonPill,
        Kill,
        CrashUnderStoppingSupervisor,
    }

    private IActorRef StartClient(Ending ending)
    {
        if (ending != Ending.CrashUnderStoppingSupervisor)
            return Sys.ActorOf(Props.Create<IdleClient>());

        // A client whose supervisor stops it when it throws: a crash that ends the actor.
        Sys.ActorOf(Props.Create(() => new StoppingSupervisor(TestActor)));
        return ExpectMsg<IActorRef>();
    }

    private void End(IActorRef client, Ending ending)
    {
        switch (ending)
        {
            case Ending.Stop:
                Sys.Stop(client);
                break;
            case Ending.PoisonPill:
                client.Tell(PoisonPill.Instance);
                break;
            case Ending.Kill:
                client.Tell(Kill.Instance);
                break;
            case Ending.CrashUnderStoppingSupervisor:
                client.Tell(IdleClient.Crash);
                break;
        }
    }

    private RegistryStats Stats(IActorRef registry)
    {
        var probe = CreateTestProbe();
        registry.Tell(GetRegistryStats.Instance, probe.Ref);
        return probe.ExpectMsg<RegistryStats>();
    }

    private UserPresence Presence(IActorRef registry, string userId)
    {
        var probe = CreateTestProbe();
        registry.Tell(new GetUserPresence(userId), probe.Ref);
        return probe.ExpectMsg<UserPresence>();
    }

    /// <summary>Stands in for a ClientActor: does nothing until told to crash.</summary>
    private sealed class IdleClient : ReceiveActor
    {
        public const string Crash = "crash";

        public IdleClient() => Receive<string>(m => m == Crash, _ => throw new InvalidOperationException("client crashed"));
    }

    private sealed class StoppingSupervisor : ReceiveActor
    {
        public StoppingSupervisor(IActorRef reportTo)
        {
            var child = Context.ActorOf(Props.Create<IdleClient>(), "client");
            reportTo.Tell(child);
        }

        protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;
    }
}
