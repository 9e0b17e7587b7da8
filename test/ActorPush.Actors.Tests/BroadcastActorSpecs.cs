using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

public sealed class BroadcastActorSpecs : TestKit
{
    private readonly ITestOutputHelper _output;

    public BroadcastActorSpecs(ITestOutputHelper output)
        : base(ShippedConfig.Load(), output: output) =>
        _output = output;

    [Fact]
    public void Publish_reaches_every_recipient_with_the_same_frame_instance()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var clients = Clients(broadcast, 5);
        var frame = Frames.Text("hello");

        broadcast.Tell(new Publish(frame));

        foreach (var client in clients)
            Assert.Same(frame, client.ExpectFrame());
    }

    [Fact]
    public void Every_recipient_sees_publishes_in_publish_order()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var clients = Clients(broadcast, 4);
        var frames = Enumerable.Range(0, 100).Select(i => Frames.Text($"m{i}")).ToArray();

        foreach (var frame in frames)
            broadcast.Tell(new Publish(frame));

        foreach (var client in clients)
        {
            foreach (var frame in frames)
                Assert.Same(frame, client.ExpectFrame());
        }
    }

    [Fact]
    public void Removed_recipient_receives_nothing_more_and_the_others_still_do()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var removed = CreateTestProbe();
        var staying = CreateTestProbe();
        broadcast.Tell(new AddRecipient(removed.Ref));
        broadcast.Tell(new AddRecipient(staying.Ref));
        var before = Frames.Text("before");
        broadcast.Tell(new Publish(before));
        Assert.Same(before, removed.ExpectFrame());
        Assert.Same(before, staying.ExpectFrame());

        broadcast.Tell(new RemoveRecipient(removed.Ref));
        var after = Frames.Text("after");
        broadcast.Tell(new Publish(after));

        Assert.Same(after, staying.ExpectFrame());
        this.AwaitProcessed(broadcast);
        removed.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Recipient_added_twice_receives_each_publish_once()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var client = CreateTestProbe();
        broadcast.Tell(new AddRecipient(client.Ref));
        broadcast.Tell(new AddRecipient(client.Ref));

        var frame = Frames.Text("once");
        broadcast.Tell(new Publish(frame));

        Assert.Same(frame, client.ExpectFrame());
        this.AwaitProcessed(broadcast);
        Assert.False(client.HasMessages);
    }

    [Fact]
    public void Removing_an_unknown_recipient_changes_nothing()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var clients = Clients(broadcast, 3);
        broadcast.Tell(new RemoveRecipient(CreateTestProbe().Ref));

        var frame = Frames.Text("still here");
        broadcast.Tell(new Publish(frame));

        foreach (var client in clients)
            Assert.Same(frame, client.ExpectFrame());
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(3, 3)]
    [InlineData(7, 6)]
    [InlineData(42, 9)]
    [InlineData(1234, 10)]
    public void Removing_recipients_anywhere_in_the_list_keeps_exactly_the_others_receiving(int seed, int removals)
    {
        var random = new Random(seed);
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var clients = Clients(broadcast, 10);
        var removed = clients.OrderBy(_ => random.Next()).Take(removals).ToList();
        _output.WriteLine($"seed {seed}: removing clients {string.Join(", ", removed.Select(r => clients.IndexOf(r)))}");

        // A publish after every removal: a later removal must find a recipient the swap moved.
        var remaining = clients.ToList();
        foreach (var client in removed)
        {
            broadcast.Tell(new RemoveRecipient(client.Ref));
            remaining.Remove(client);
            var frame = Frames.Text($"after removing {clients.IndexOf(client)}");
            broadcast.Tell(new Publish(frame));
            this.AwaitProcessed(broadcast); // the fan-out of this publish is complete

            foreach (var receiving in remaining)
            {
                Assert.Same(frame, receiving.ExpectFrame(TimeSpan.Zero));
                Assert.False(receiving.HasMessages, $"client {clients.IndexOf(receiving)} got the frame twice");
            }

            foreach (var gone in removed)
                Assert.False(gone.HasMessages, $"removed client {clients.IndexOf(gone)} still receives");
        }

        Assert.Equal(10 - removals, remaining.Count);
    }

    [Fact]
    public void Recipients_added_after_removals_receive_as_well()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var clients = Clients(broadcast, 5);
        broadcast.Tell(new RemoveRecipient(clients[1].Ref));
        broadcast.Tell(new RemoveRecipient(clients[4].Ref)); // was moved into slot 1 by the swap
        var late = CreateTestProbe();
        broadcast.Tell(new AddRecipient(late.Ref));

        var frame = Frames.Text("late");
        broadcast.Tell(new Publish(frame));
        this.AwaitProcessed(broadcast);

        foreach (var receiving in new[] { clients[0], clients[2], clients[3], late })
            Assert.Same(frame, receiving.ExpectFrame(TimeSpan.Zero));
        Assert.False(clients[1].HasMessages);
        Assert.False(clients[4].HasMessages);
    }

    [Fact]
    public void Broadcast_counts_publishes_in_and_frames_out()
    {
        var metrics = PushMetrics.Get(Sys);
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        Clients(broadcast, 3);

        broadcast.Tell(new Publish(Frames.Text("a")));
        broadcast.Tell(new Publish(Frames.Text("b")));
        this.AwaitProcessed(broadcast);

        Assert.Equal(2, metrics.MessagesIn);
        Assert.Equal(6, metrics.MessagesOut);
    }

    [Fact]
    public void A_recipient_added_with_acknowledge_is_told_it_was_added_and_receives_what_follows()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props());
        var client = CreateTestProbe();
        var frame = Frames.Text("after joining");

        broadcast.Tell(new AddRecipient(client.Ref, Acknowledge: true));
        client.ExpectMsg<RecipientAdded>();
        broadcast.Tell(new Publish(frame));

        Assert.Same(frame, client.ExpectFrame());
    }

    private List<TestProbe> Clients(IActorRef broadcast, int count)
    {
        var clients = Enumerable.Range(0, count).Select(i => CreateTestProbe($"client-{i}")).ToList();
        foreach (var client in clients)
            broadcast.Tell(new AddRecipient(client.Ref));
        return clients;
    }
}
