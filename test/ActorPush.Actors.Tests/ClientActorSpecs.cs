using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

public sealed class ClientActorSpecs : TestKit
{
    private readonly TestProbe _registry;
    private readonly IActorRef _clients;

    public ClientActorSpecs(ITestOutputHelper output)
        : base(ShippedConfig.Load(), output: output)
    {
        _registry = CreateTestProbe("registry");
        _clients = ClientsActor.Start(Sys);
    }

    [Fact]
    public void Client_registers_itself_with_the_registry_on_start()
    {
        var client = ClientActor.Start(_clients, "alice", new BoundedTestConnection(1024), _registry.Ref);

        _registry.ExpectMsg(new Register("alice", client));
    }

    [Fact]
    public void Client_hands_every_frame_it_is_told_to_the_connection_in_order()
    {
        var connection = new BoundedTestConnection(limitBytes: 1024);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);
        var frames = Enumerable.Range(0, 10).Select(i => Frames.Text($"frame {i}")).ToArray();

        foreach (var frame in frames)
            client.Tell(frame);

        AwaitAssert(() => Assert.Equal(frames, connection.Accepted, ReferenceEqualityComparer.Instance));
        Assert.Empty(connection.Closes);
        Assert.Equal(0, PushMetrics.Get(Sys).SlowConsumerDisconnects);
    }

    [Fact]
    public void A_burst_that_waits_in_the_mailbox_leaves_with_one_flush()
    {
        var connection = new BoundedTestConnection(limitBytes: 64 * 1024);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);
        const int burst = 200;
        var hold = connection.HoldNextSend();

        client.Tell(Frames.Text("first")); // alone in the mailbox: flushed at once
        Assert.True(hold.Entered.Wait(TimeSpan.FromSeconds(10)), "the actor did not hand over the first frame");
        for (var i = 0; i < burst; i++)
            client.Tell(Frames.Text($"frame {i}")); // queue up behind it while the actor is busy
        hold.Released.Set();

        AwaitAssert(() => Assert.Equal(burst + 1, connection.AcceptedAtLastFlush));
        Assert.Equal(2, connection.Flushes); // one for the first frame, one for the whole burst
    }

    [Fact]
    public void Client_tells_its_connection_once_the_broadcast_has_added_it()
    {
        var connection = new BoundedTestConnection(limitBytes: 1024);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);
        Assert.False(connection.HasJoined);

        client.Tell(RecipientAdded.Instance);

        AwaitAssert(() => Assert.True(connection.HasJoined));
    }

    [Fact]
    public void Client_that_keeps_reading_is_never_closed()
    {
        var connection = new BoundedTestConnection(limitBytes: 100);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);

        // 50 frames of 40 bytes: 2000 bytes through a 100-byte queue, drained as they arrive.
        for (var i = 0; i < 50; i++)
        {
            client.Tell(Frames.OfSize(40));
            this.AwaitProcessed(client);
            Assert.NotNull(connection.Drain());
        }

        Assert.Equal(50, connection.Accepted.Count);
        Assert.Empty(connection.Closes);
    }

    [Fact]
    public void Slow_consumer_is_closed_with_4008_once_and_offered_no_more_frames()
    {
        var metrics = PushMetrics.Get(Sys);
        var connection = new BoundedTestConnection(limitBytes: 100);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);

        // Nothing drains the queue: 40 + 40 fit, the third 40 passes the limit.
        var frames = Enumerable.Range(0, 8).Select(_ => Frames.OfSize(40)).ToArray();
        foreach (var frame in frames)
            client.Tell(frame);
        this.AwaitProcessed(client);

        Assert.Equal([(CloseCodes.SlowConsumer, "slow consumer")], connection.Closes);
        Assert.Equal(1, metrics.SlowConsumerDisconnects);
        Assert.Equal(3, connection.Offers); // two accepted, one refused, none after
        Assert.Equal(frames.Take(2), connection.Accepted, ReferenceEqualityComparer.Instance);
    }

    [Fact]
    public void Disconnect_closes_the_connection_with_the_given_code_and_reason()
    {
        var connection = new BoundedTestConnection(limitBytes: 1024);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);

        client.Tell(new Disconnect(CloseCodes.GoingAway, CloseCodes.Reasons.GoingAway));

        AwaitAssert(() => Assert.Equal([(CloseCodes.GoingAway, "server shutting down")], connection.Closes));
        Assert.Equal(0, PushMetrics.Get(Sys).SlowConsumerDisconnects);
    }

    [Fact]
    public void Client_offers_no_frames_after_it_was_told_to_disconnect()
    {
        var connection = new BoundedTestConnection(limitBytes: 1024);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);

        client.Tell(new Disconnect(CloseCodes.GoingAway, CloseCodes.Reasons.GoingAway));
        client.Tell(Frames.Text("too late"));
        this.AwaitProcessed(client);

        Assert.Equal(0, connection.Offers);
    }

    [Fact]
    public void Client_actors_are_spread_over_the_shards_of_clients_in_turn()
    {
        var parents = Enumerable.Range(0, ClientsActor.ShardCount)
            .Select(i => ClientActor.Start(_clients, $"user{i}", new BoundedTestConnection(1024), _registry.Ref).Path.Parent)
            .ToHashSet();

        Assert.Equal(ClientsActor.ShardCount, parents.Count); // one connection per shard: none left out, none taken twice
        Assert.All(parents, parent => Assert.Equal(_clients.Path, parent.Parent));
    }

    [Fact]
    public void A_transport_fault_closes_the_connection_with_1011_and_stops_the_client_which_the_registry_then_forgets()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(CreateTestProbe("broadcast").Ref));
        var connection = new BoundedTestConnection(limitBytes: 1024);
        var client = ClientActor.Start(_clients, "alice", connection, registry);
        Assert.Equal(_clients.Path, client.Path.Parent.Parent); // under one of the "clients" shards
        AwaitAssert(() => Assert.Equal(new RegistryStats(1, 1), Stats(registry)));
        Watch(client);

        // The connection throws once: the actor fails, and its shard's stopping supervisor ends it.
        connection.FailNextSend(new InvalidOperationException("transport fault"));
        client.Tell(Frames.Text("boom"));

        ExpectTerminated(client);
        Assert.Equal([CloseCodes.InternalError], connection.Closes.Select(close => close.Code));
        AwaitAssert(() => Assert.Equal(new RegistryStats(0, 0), Stats(registry)));
    }

    [Fact]
    public void A_client_whose_connection_ended_stops_without_closing_it()
    {
        var connection = new BoundedTestConnection(limitBytes: 1024);
        var client = ClientActor.Start(_clients, "alice", connection, _registry.Ref);
        _registry.ExpectMsg<Register>();
        Watch(client);

        client.Tell(ClientActor.Detach.Instance);

        ExpectTerminated(client);
        Assert.Empty(connection.Closes);
    }

    private RegistryStats Stats(IActorRef registry)
    {
        var probe = CreateTestProbe();
        registry.Tell(GetRegistryStats.Instance, probe.Ref);
        return probe.ExpectMsg<RegistryStats>();
    }
}
