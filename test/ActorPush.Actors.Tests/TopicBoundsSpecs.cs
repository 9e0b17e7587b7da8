using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Push;
using ActorPush.Actors.Transport;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

/// <summary>
/// A node's topic bounds (<see cref="TopicAdmission"/>): the topic publishes waiting for fan-out are bounded in count
/// and bytes across every topic, and the node holds at most max-topics live topics, through the real TopicsActor and
/// the node's fan-out entry.
/// </summary>
public sealed class TopicBoundsSpecs : TestKit
{
    private readonly TopicAdmission _admission;
    private readonly IActorRef _topics;
    private readonly LocalFanOut _node;

    public TopicBoundsSpecs(ITestOutputHelper output)
        : base(ShippedConfig.Load(), output: output)
    {
        _admission = TopicAdmission.Get(Sys);
        _admission.Configure(maxTopics: 2, mailboxCapacity: 3, mailboxCapacityBytes: 1024 * 1024);
        _topics = Sys.ActorOf(TopicsActor.Props(maxTopicsPerClient: 10));
        _node = new LocalFanOut(Sys, ActorRefs.Nobody, ActorRefs.Nobody, _topics, ActorRefs.Nobody, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Every_topic_publish_gives_its_room_back_once_fanned_out_or_found_without_subscribers()
    {
        var reader = CreateTestProbe();
        _topics.Tell(new Subscribe("news", reader.Ref));

        for (var i = 0; i < 100; i++)
            Assert.Equal(PublishOutcome.Accepted, _node.Publish(PushTarget.Topic("news"), Bytes("m" + i), FrameKind.Text, Admission.Always));
        Assert.Equal(PublishOutcome.Accepted, _node.Publish(PushTarget.Topic("nobody-here"), Bytes("lost"), FrameKind.Text, Admission.Always));

        for (var i = 0; i < 100; i++)
            Assert.Equal("m" + i, Encoding.UTF8.GetString(reader.ExpectMsg<OutboundFrame>().Payload.Span));
        AwaitAssert(() => Assert.Equal((0L, 0L), (_admission.Gate.Depth, _admission.Gate.Bytes)));
    }

    [Fact]
    public void A_publish_that_may_be_refused_is_refused_and_counted_while_the_topic_mailboxes_are_full_and_taken_once_there_is_room()
    {
        var reader = CreateTestProbe();
        _topics.Tell(new Subscribe("news", reader.Ref));
        for (var i = 0; i < 3; i++)
            _admission.Gate.Enter(10); // three publishes waiting somewhere in the topic mailboxes: the gate is full
        var dropped = PushMetrics.Get(Sys).PublishesDropped;

        Assert.Equal(PublishOutcome.Overloaded, _node.Admit(PushTarget.Topic("news")));
        Assert.Equal(PublishOutcome.Overloaded, _node.Publish(PushTarget.Topic("news"), Bytes("refused"), FrameKind.Text, Admission.RefuseWhenFull));
        Assert.Equal(dropped + 1, PushMetrics.Get(Sys).PublishesDropped);

        _admission.Gate.Leave(10);
        Assert.Equal(PublishOutcome.Accepted, _node.Publish(PushTarget.Topic("news"), Bytes("taken"), FrameKind.Text, Admission.RefuseWhenFull));
        Assert.Equal("taken", Encoding.UTF8.GetString(reader.ExpectMsg<OutboundFrame>().Payload.Span));
    }

    [Fact]
    public async Task At_max_topics_a_subscription_to_a_new_topic_is_refused_and_counted_and_one_to_a_live_topic_is_taken()
    {
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        var refused = PushMetrics.Get(Sys).SubscriptionsRefused;
        _topics.Tell(new Subscribe("a", first.Ref));
        _topics.Tell(new Subscribe("b", first.Ref));
        _topics.Tell(new Subscribe("c", first.Ref)); // a third live topic: over the node's cap of 2
        _topics.Tell(new Subscribe("a", second.Ref)); // a live topic: fine

        Assert.Equal(new TopicStats(Topics: 2, Subscriptions: 3), await _topics.Ask<TopicStats>(GetTopicStats.Instance, RemainingOrDefault));
        Assert.Equal(refused + 1, PushMetrics.Get(Sys).SubscriptionsRefused);
        Assert.True(_admission.Admits("a"));
        Assert.False(_admission.Admits("c"));

        _topics.Tell(new Unsubscribe("b", first.Ref)); // b's last subscriber: the topic ends and frees its place
        AwaitAssert(() => Assert.True(_admission.Admits("c")));
        _topics.Tell(new Subscribe("c", second.Ref));
        Assert.Equal(new TopicStats(Topics: 2, Subscriptions: 3), await _topics.Ask<TopicStats>(GetTopicStats.Instance, RemainingOrDefault));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
