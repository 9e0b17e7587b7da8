using Akka.Actor;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;
using ActorPush.Actors.Transport;
using Xunit.Abstractions;

namespace ActorPush.Actors.Tests;

/// <summary>What the RegistryActor does for the server API: per-user pushes, kicks and server-side subscriptions.</summary>
public sealed class RegistryUserCommandSpecs : TestKit
{
    public RegistryUserCommandSpecs(ITestOutputHelper output)
        : base(ShippedConfig.Load(), output: output)
    {
    }

    [Fact]
    public void Push_to_user_reaches_every_connection_of_that_user_with_the_same_frame_and_no_one_else()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(CreateTestProbe().Ref, CreateTestProbe().Ref));
        var tab = CreateTestProbe();
        var phone = CreateTestProbe();
        var bob = CreateTestProbe();
        registry.Tell(new Register("carol", tab.Ref));
        registry.Tell(new Register("carol", phone.Ref));
        registry.Tell(new Register("bob", bob.Ref));
        var frame = Frames.Text("for carol");
        var deliveredBefore = PushMetrics.Get(Sys).MessagesOut;

        registry.Tell(new PushToUser("carol", frame));

        Assert.Same(frame, tab.ExpectMsg<OutboundFrame>());
        Assert.Same(frame, phone.ExpectMsg<OutboundFrame>());
        this.AwaitProcessed(registry); // the push is done: a frame for bob would be queued by now
        bob.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(deliveredBefore + 2, PushMetrics.Get(Sys).MessagesOut);
    }

    [Fact]
    public void Disconnect_user_tells_each_of_its_connections_to_close_with_the_code()
    {
        var registry = Sys.ActorOf(RegistryActor.Props(CreateTestProbe().Ref, CreateTestProbe().Ref));
        var tab = CreateTestProbe();
        var phone = CreateTestProbe();
        var bob = CreateTestProbe();
        registry.Tell(new Register("eve", tab.Ref));
        registry.Tell(new Register("eve", phone.Ref));
        registry.Tell(new Register("bob", bob.Ref));

        registry.Tell(new DisconnectUser("eve", CloseCodes.Kicked, CloseCodes.Reasons.Kicked));

        tab.ExpectMsg(new Disconnect(4003, "kicked"));
        phone.ExpectMsg(new Disconnect(4003, "kicked"));
        this.AwaitProcessed(registry);
        bob.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void Subscribe_and_unsubscribe_user_reach_the_topics_actor_once_per_connection()
    {
        var topics = CreateTestProbe();
        var registry = Sys.ActorOf(RegistryActor.Props(CreateTestProbe().Ref, topics.Ref));
        var tab = CreateTestProbe().Ref;
        var phone = CreateTestProbe().Ref;
        registry.Tell(new Register("carol", tab));
        registry.Tell(new Register("carol", phone));

        registry.Tell(new SubscribeUser("carol", "news"));
        registry.Tell(new SubscribeUser("nobody", "news"));
        registry.Tell(new UnsubscribeUser("carol", "news"));

        topics.ExpectMsg(new Subscribe("news", tab));
        topics.ExpectMsg(new Subscribe("news", phone));
        topics.ExpectMsg(new Unsubscribe("news", tab));
        topics.ExpectMsg(new Unsubscribe("news", phone));
        this.AwaitProcessed(registry); // "nobody" has no connections: nothing more may have been sent
        topics.ExpectNoMsg(TimeSpan.Zero);
    }
}
