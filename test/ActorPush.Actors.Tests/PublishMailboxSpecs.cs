using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Settings;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

public sealed class PublishMailboxSpecs(ITestOutputHelper output) : TestKit(ShippedConfig.Load(), output: output)
{
    [Fact]
    public void Full_mailbox_drops_the_next_publish_and_counts_it()
    {
        var metrics = PushMetrics.Get(Sys);
        var queue = Queue(capacity: 2, pushTimeout: "0s");

        queue.Enqueue(Nobody, Publish("1"));
        queue.Enqueue(Nobody, Publish("2"));
        var dropsBefore = metrics.PublishesDropped;
        queue.Enqueue(Nobody, Publish("3"));

        Assert.Equal(2, queue.Count);
        Assert.Equal(dropsBefore + 1, metrics.PublishesDropped);
        Assert.Equal(["1", "2"], DrainTexts(queue));
    }

    [Fact]
    public void Membership_messages_are_never_dropped_even_when_full()
    {
        var metrics = PushMetrics.Get(Sys);
        var queue = Queue(capacity: 2, pushTimeout: "0s");
        var client = CreateTestProbe().Ref;
        queue.Enqueue(Nobody, Publish("1"));
        queue.Enqueue(Nobody, Publish("2"));

        for (var i = 0; i < 100; i++)
        {
            queue.Enqueue(Nobody, new Envelope(new AddRecipient(client), Nobody));
            queue.Enqueue(Nobody, new Envelope(new RemoveRecipient(client), Nobody));
        }

        Assert.Equal(202, queue.Count);
        Assert.Equal(0, metrics.PublishesDropped);
    }

    [Fact]
    public void Dequeuing_a_publish_frees_a_slot()
    {
        var metrics = PushMetrics.Get(Sys);
        var queue = Queue(capacity: 2, pushTimeout: "0s");
        queue.Enqueue(Nobody, Publish("1"));
        queue.Enqueue(Nobody, Publish("2"));

        Assert.True(queue.TryDequeue(out _));
        queue.Enqueue(Nobody, Publish("3"));

        Assert.Equal(0, metrics.PublishesDropped);
        Assert.Equal(["2", "3"], DrainTexts(queue));
    }

    [Fact]
    public void Dequeuing_a_membership_message_frees_no_publish_slot()
    {
        var metrics = PushMetrics.Get(Sys);
        var queue = Queue(capacity: 2, pushTimeout: "0s");
        queue.Enqueue(Nobody, new Envelope(new AddRecipient(CreateTestProbe().Ref), Nobody));
        queue.Enqueue(Nobody, Publish("1"));
        queue.Enqueue(Nobody, Publish("2"));

        Assert.True(queue.TryDequeue(out var membership));
        Assert.IsType<AddRecipient>(membership.Message);
        queue.Enqueue(Nobody, Publish("3"));

        Assert.Equal(1, metrics.PublishesDropped);
        Assert.Equal(["1", "2"], DrainTexts(queue));
    }

    [Fact]
    public async Task With_a_push_timeout_a_publisher_waits_for_a_free_slot_instead_of_dropping()
    {
        var metrics = PushMetrics.Get(Sys);
        // A timeout far beyond the test's run, so only a freed slot can end the wait (never the clock).
        var queue = Queue(capacity: 2, pushTimeout: "10m");
        queue.Enqueue(Nobody, Publish("1"));
        queue.Enqueue(Nobody, Publish("2"));

        var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publisher = new Thread(() =>
        {
            queue.Enqueue(Nobody, Publish("3")); // blocks: the mailbox is full
            published.SetResult();
        }) { IsBackground = true };
        publisher.Start();
        // The publisher is parked in the wait for a slot (not merely slow to start).
        AwaitAssert(() => Assert.True((publisher.ThreadState & ThreadState.WaitSleepJoin) != 0), TimeSpan.FromSeconds(10));
        Assert.False(published.Task.IsCompleted, "the publisher should wait while the mailbox is full");
        Assert.Equal(2, queue.Count);

        Assert.True(queue.TryDequeue(out _)); // the actor takes "1": a slot frees
        await published.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, metrics.PublishesDropped);
        Assert.Equal(["2", "3"], DrainTexts(queue));
    }

    [Fact]
    public void Shipped_config_gives_the_broadcast_mailbox_path_a_publish_mailbox()
    {
        var mailboxType = Sys.Mailboxes.Lookup(ActorSettings.BroadcastMailboxPath);

        Assert.IsType<PublishMailbox>(mailboxType);
    }

    [Fact]
    public void Broadcast_actor_runs_on_a_publish_message_queue()
    {
        var broadcast = Sys.ActorOf(BroadcastActor.Props(), "broadcast");
        this.AwaitProcessed(broadcast); // a top-level actor swaps its placeholder cell for the real one on start

        var cell = Assert.IsType<ActorCell>(((ActorRefWithCell)broadcast).Underlying, exactMatch: false);
        var queue = Assert.IsType<PublishMessageQueue>(cell.Mailbox?.MessageQueue);
        Assert.Equal(TimeSpan.Zero, queue.PushTimeOut);
    }

    [Fact]
    public void Shipped_broadcast_mailbox_holds_10000_publishes_and_drops_the_next()
    {
        var metrics = PushMetrics.Get(Sys);
        var queue = Sys.Mailboxes.Lookup(ActorSettings.BroadcastMailboxPath).Create(Nobody, Sys);
        var envelope = Publish("x");

        for (var i = 0; i < 10_000; i++)
            queue.Enqueue(Nobody, envelope);
        Assert.Equal(0, metrics.PublishesDropped);
        queue.Enqueue(Nobody, envelope);

        Assert.Equal(10_000, queue.Count);
        Assert.Equal(1, metrics.PublishesDropped);
    }

    private static IActorRef Nobody => ActorRefs.Nobody;

    private static Envelope Publish(string text) => new(new Publish(Frames.Text(text)), ActorRefs.NoSender);

    private PublishMessageQueue Queue(int capacity, string pushTimeout)
    {
        var config = ConfigurationFactory.ParseString(
            $"""
             mailbox-type = "ActorPush.Actors.PublishMailbox, ActorPush.Actors"
             mailbox-capacity = {capacity}
             mailbox-push-timeout-time = {pushTimeout}
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
