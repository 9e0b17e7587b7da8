using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Settings;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

public sealed class PublishMailboxSpecs(ITestOutputHelper output) : TestKit(ShippedConfig.Load(), output: output)
{
    [Fact]
    public void A_full_gate_refuses_a_reservation_and_a_dequeue_frees_room_again()
    {
        var queue = Queue(capacity: 2, bytes: "1 MiB");

        Assert.True(queue.Gate.TryReserve(1));
        queue.Enqueue(Nobody, Publish("1", reserved: true));
        Assert.True(queue.Gate.TryReserve(1));
        queue.Enqueue(Nobody, Publish("2", reserved: true));
        Assert.False(queue.Gate.TryReserve(1));
        Assert.True(queue.Gate.IsFull);

        Assert.True(queue.TryDequeue(out _));
        Assert.True(queue.Gate.TryReserve(1));
        queue.Enqueue(Nobody, Publish("3", reserved: true));
        Assert.Equal(["2", "3"], DrainTexts(queue));
        Assert.Equal(0, queue.Gate.Depth);
        Assert.Equal(0, queue.Gate.Bytes);
    }

    [Fact]
    public void The_gate_bounds_bytes_as_well_as_count_but_always_takes_one_publish()
    {
        var queue = Queue(capacity: 100, bytes: "1 KiB");

        Assert.True(queue.Gate.TryReserve(4096)); // an empty mailbox takes one publish however large
        Assert.False(queue.Gate.TryReserve(1));
        queue.Gate.Leave(4096);
        Assert.True(queue.Gate.TryReserve(500));
        Assert.False(queue.Gate.TryReserve(500));
        Assert.Equal(1, queue.Gate.Depth);
    }

    [Fact]
    public void Unreserved_publishes_are_never_dropped_they_enter_over_the_limit_and_are_counted()
    {
        var queue = Queue(capacity: 2, bytes: "1 MiB");

        for (var i = 0; i < 5; i++)
            queue.Enqueue(Nobody, Publish(i.ToString(), reserved: false));

        Assert.Equal(5, queue.Count);
        Assert.Equal(5, queue.Gate.Depth);
        Assert.Equal(5 * PublishGate.Cost(1), queue.Gate.Bytes);
        Assert.False(queue.Gate.TryReserve(1));
        Assert.Equal(["0", "1", "2", "3", "4"], DrainTexts(queue));
    }

    [Fact]
    public void Membership_messages_always_enter_and_count_nothing()
    {
        var queue = Queue(capacity: 2, bytes: "1 MiB");
        var client = CreateTestProbe().Ref;
        queue.Enqueue(Nobody, Publish("1", reserved: false));
        queue.Enqueue(Nobody, Publish("2", reserved: false));

        for (var i = 0; i < 100; i++)
        {
            queue.Enqueue(Nobody, new Envelope(new AddRecipient(client), Nobody));
            queue.Enqueue(Nobody, new Envelope(new RemoveRecipient(client), Nobody));
        }

        Assert.Equal(202, queue.Count);
        Assert.Equal(2, queue.Gate.Depth);
    }

    [Fact]
    public void Shipped_config_gives_the_broadcast_mailbox_path_a_publish_mailbox()
    {
        var mailboxType = Sys.Mailboxes.Lookup(ActorSettings.BroadcastMailboxPath);

        Assert.IsType<PublishMailbox>(mailboxType);
    }

    [Fact]
    public void Broadcast_actor_runs_on_a_publish_message_queue_whose_gate_the_system_knows()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props(), "broadcast");
        this.AwaitProcessed(broadcast); // a top-level actor swaps its placeholder cell for the real one on start

        var cell = Assert.IsType<ActorCell>(((ActorRefWithCell)broadcast).Underlying, exactMatch: false);
        var queue = Assert.IsType<PublishMessageQueue>(cell.Mailbox?.MessageQueue);
        Assert.Same(queue.Gate, BroadcastAdmission.Get(Sys).Gate);
        Assert.Equal(10_000, queue.Gate.Capacity);
        Assert.Equal(64L * 1024 * 1024, queue.Gate.CapacityBytes);
    }

    private static IActorRef Nobody => ActorRefs.Nobody;

    private static Envelope Publish(string text, bool reserved) => new(new Publish(Frames.Text(text), reserved), ActorRefs.NoSender);

    private PublishMessageQueue Queue(int capacity, string bytes)
    {
        var config = ConfigurationFactory.ParseString(
            $"""
             mailbox-type = "ActorPush.Actors.PublishMailbox, ActorPush.Actors"
             mailbox-capacity = {capacity}
             mailbox-capacity-bytes = {bytes}
             """);
        var mailbox = new PublishMailbox(Sys.Settings, config);
        return Assert.IsType<PublishMessageQueue>(mailbox.Create(Nobody, Sys));
    }

    private static List<string> DrainTexts(IMessageQueue queue)
    {
        var texts = new List<string>();
        while (queue.TryDequeue(out var envelope))
            texts.Add(System.Text.Encoding.UTF8.GetString(Assert.IsType<Publish>(envelope.Message).Frame.Payload.Span));
        return texts;
    }
}
