using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

/// <summary>Topic lifecycle: a TopicActor per live topic, created on first subscribe, stopped when the last subscriber leaves.</summary>
public sealed class TopicActorSpecs : TestKit
{
    public TopicActorSpecs(ITestOutputHelper output)
        : base(ShippedConfig.Load(), output: output)
    {
    }

    [Fact]
    public void First_subscribe_creates_the_topic_and_a_publish_reaches_each_subscriber_once_with_the_same_frame()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(maxTopicsPerClient: 10));
        var alice = CreateTestProbe();
        var bob = CreateTestProbe();
        var outsider = CreateTestProbe();
        topics.Tell(new Subscribe("news", alice.Ref));
        topics.Tell(new Subscribe("news", alice.Ref)); // idempotent
        topics.Tell(new Subscribe("news", bob.Ref));
        var news = TopicChild(topics); // the only topic so far
        topics.Tell(new Subscribe("sport", outsider.Ref));
        var frame = Frames.Text("breaking");

        topics.Tell(new PublishToTopic("news", frame));

        Assert.Same(frame, alice.ExpectMsg<OutboundFrame>());
        Assert.Same(frame, bob.ExpectMsg<OutboundFrame>());
        Assert.Equal(new TopicStats(Topics: 2, Subscriptions: 3), Ask<TopicStats>(topics, GetTopicStats.Instance));
        Assert.Equal(new TopicSubscribers("news", 2), Ask<TopicSubscribers>(topics, new GetTopicSubscribers("news")));
        this.AwaitProcessed(news); // the publish is done: whatever it sent is queued by now
        alice.ExpectNoMsg(TimeSpan.Zero);
        outsider.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Last_unsubscribe_stops_the_topic_actor_and_a_later_subscribe_starts_a_fresh_one()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(10));
        var alice = CreateTestProbe();
        var bob = CreateTestProbe();
        topics.Tell(new Subscribe("news", alice.Ref));
        topics.Tell(new Subscribe("news", bob.Ref));
        var topicActor = TopicChild(topics);
        Watch(topicActor);

        topics.Tell(new Unsubscribe("news", alice.Ref));
        topics.Tell(new PublishToTopic("news", Frames.Text("only bob")));
        bob.ExpectMsg<OutboundFrame>();
        this.AwaitProcessed(topicActor);
        alice.ExpectNoMsg(TimeSpan.Zero);
        topics.Tell(new Unsubscribe("news", bob.Ref));

        ExpectTerminated(topicActor);
        Assert.Equal(new TopicStats(0, 0), Ask<TopicStats>(topics, GetTopicStats.Instance));

        topics.Tell(new Subscribe("news", alice.Ref));
        topics.Tell(new PublishToTopic("news", Frames.Text("again")));
        Assert.Equal("again", Text(alice.ExpectMsg<OutboundFrame>()));
    }

    [Fact]
    public void Publishes_queued_before_the_last_unsubscribe_are_still_delivered()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(10));
        var alice = CreateTestProbe();
        topics.Tell(new Subscribe("news", alice.Ref));

        for (var i = 0; i < 50; i++)
            topics.Tell(new PublishToTopic("news", Frames.Text(i.ToString())));
        topics.Tell(new Unsubscribe("news", alice.Ref));

        for (var i = 0; i < 50; i++)
            Assert.Equal(i.ToString(), Text(alice.ExpectMsg<OutboundFrame>()));
    }

    [Fact]
    public void A_subscriber_that_terminates_leaves_every_topic_and_empty_topics_stop()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(10));
        var dying = CreateTestProbe();
        var staying = CreateTestProbe();
        topics.Tell(new Subscribe("a", dying.Ref));
        topics.Tell(new Subscribe("b", dying.Ref));
        topics.Tell(new Subscribe("b", staying.Ref));
        Assert.Equal(new TopicStats(2, 3), Ask<TopicStats>(topics, GetTopicStats.Instance));

        Sys.Stop(dying.Ref);

        AwaitAssert(() => Assert.Equal(new TopicStats(1, 1), Ask<TopicStats>(topics, GetTopicStats.Instance)));
        topics.Tell(new PublishToTopic("b", Frames.Text("still here")));
        Assert.Equal("still here", Text(staying.ExpectMsg<OutboundFrame>()));
    }

    [Fact]
    public void A_client_that_was_already_dead_when_it_subscribed_is_cleaned_up()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(10));
        var dead = CreateTestProbe();
        Watch(dead.Ref);
        Sys.Stop(dead.Ref);
        ExpectTerminated(dead.Ref);

        topics.Tell(new Subscribe("news", dead.Ref));

        AwaitAssert(() => Assert.Equal(new TopicStats(0, 0), Ask<TopicStats>(topics, GetTopicStats.Instance)));
    }

    [Fact]
    public void A_client_may_unsubscribe_everything_and_subscribe_again_and_is_still_death_watched()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(10));
        var client = CreateTestProbe();
        topics.Tell(new Subscribe("a", client.Ref));
        topics.Tell(new Unsubscribe("a", client.Ref));
        topics.Tell(new Subscribe("a", client.Ref));
        Assert.Equal(new TopicStats(1, 1), Ask<TopicStats>(topics, GetTopicStats.Instance));

        Sys.Stop(client.Ref);

        AwaitAssert(() => Assert.Equal(new TopicStats(0, 0), Ask<TopicStats>(topics, GetTopicStats.Instance)));
    }

    [Fact]
    public void Subscriptions_over_max_topics_per_client_are_ignored_and_counted()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(maxTopicsPerClient: 2));
        var client = CreateTestProbe();
        var refusedBefore = PushMetrics.Get(Sys).SubscriptionsRefused;

        foreach (var name in new[] { "a", "b", "c" })
            topics.Tell(new Subscribe(name, client.Ref));

        Assert.Equal(new TopicStats(2, 2), Ask<TopicStats>(topics, GetTopicStats.Instance));
        Assert.Equal(refusedBefore + 1, PushMetrics.Get(Sys).SubscriptionsRefused);
        topics.Tell(new PublishToTopic("c", Frames.Text("nope")));
        topics.Tell(new PublishToTopic("b", Frames.Text("yes")));
        Assert.Equal("yes", Text(client.ExpectMsg<OutboundFrame>()));
    }

    [Fact]
    public void Publish_to_a_topic_nobody_subscribed_is_counted_in_and_delivered_to_no_one()
    {
        var topics = Sys.ActorOf(TopicsActor.Props(10));
        var metrics = PushMetrics.Get(Sys);
        var (inBefore, outBefore) = (metrics.MessagesIn, metrics.MessagesOut);

        topics.Tell(new PublishToTopic("void", Frames.Text("hello?")));

        AwaitAssert(() => Assert.Equal(inBefore + 1, metrics.MessagesIn));
        Assert.Equal(new TopicStats(0, 0), Ask<TopicStats>(topics, GetTopicStats.Instance));
        Assert.Equal(outBefore, metrics.MessagesOut);
    }

    /// <summary>The one topic actor under <paramref name="topics"/>, once the subscribes told before are processed.</summary>
    private IActorRef TopicChild(IActorRef topics)
    {
        this.AwaitProcessed(topics);
        return Sys.ActorSelection(topics.Path / "*").ResolveOne(TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
    }

    private static T Ask<T>(IActorRef actor, object message) => actor.Ask<T>(message, TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();

    private static string Text(OutboundFrame frame) => System.Text.Encoding.UTF8.GetString(frame.Payload.Span);
}
