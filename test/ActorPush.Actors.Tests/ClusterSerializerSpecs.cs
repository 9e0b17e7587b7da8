using Akka.Actor;
using ActorPush.Actors.Cluster;
using ActorPush.Actors.Push;
using ActorPush.Actors.Transport;
using Akka.TestKit.Xunit2;

namespace ActorPush.Actors.Tests;

/// <summary>Every message that crosses nodes survives the registered serializer unchanged; foreign versions are refused.</summary>
public sealed class ClusterSerializerSpecs() : TestKit(
    """
    akka.actor.serializers.actorpush-cluster = "ActorPush.Actors.Cluster.ClusterSerializer, ActorPush.Actors"
    akka.actor.serialization-bindings { "ActorPush.Actors.Cluster.IClusterMessage, ActorPush.Actors" = actorpush-cluster }
    """)
{
    public static TheoryData<string> Names() => [.. Messages().Keys];

    private static Dictionary<string, IClusterMessage> Messages() => new()
    {
        ["batch"] = new NodeBatch(long.MaxValue,
        [
            new PushItem(PushTarget.Everyone, FrameKind.Text, "héllo ✓"u8.ToArray()),
            new PushItem(PushTarget.User("ali/ce"), FrameKind.Binary, new byte[] { 0, 255, 1, 128 }),
            new PushItem(PushTarget.Topic("room:42"), FrameKind.Text, new byte[70_000]),
            new UserCommand(UserCommandKind.Subscribe, "bob", "news"),
            new UserCommand(UserCommandKind.Unsubscribe, "bob", "news"),
            new UserCommand(UserCommandKind.Kick, "eve", Code: CloseCodes.Kicked, Reason: "kicked"),
        ]),
        ["empty batch"] = new NodeBatch(1, []),
        ["batch ack"] = new BatchAck(42),
        ["ask presence"] = new AskPresence("carol"),
        ["presence"] = new PresenceReply(3),
        ["ask topic"] = new AskTopic("news"),
        ["topic"] = new TopicReply(7),
        ["ask stats"] = AskStats.Instance,
        ["stats"] = new StatsReply(new NodeStats("akka.tcp://actorpush@127.0.0.1:4053", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, long.MaxValue)),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Round_trips_through_the_registered_serializer_unchanged(string name)
    {
        var message = Messages()[name];
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterSerializer>(serializer);

        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));

        Assert.Equal(ClusterSerializer.Version, bytes[0]);
        if (message is NodeBatch batch)
        {
            Assert.Equal(batch.Sequence, Assert.IsType<NodeBatch>(back).Sequence);
            Assert.Equal(batch.Items, ((NodeBatch)back).Items);
        }
        else
            Assert.Equal(message, back);
    }

    [Fact]
    public void A_message_of_another_format_version_is_refused_with_a_clear_error()
    {
        var serializer = (ClusterSerializer)Sys.Serialization.FindSerializerFor(AskStats.Instance);
        var bytes = serializer.ToBinary(new AskPresence("x"));
        bytes[0] = ClusterSerializer.Version + 1;

        var error = Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes, serializer.Manifest(new AskPresence("x"))));
        Assert.Contains("version", error.Message);
    }

    [Fact]
    public void A_truncated_message_is_refused_instead_of_read_past_its_end()
    {
        var serializer = (ClusterSerializer)Sys.Serialization.FindSerializerFor(AskStats.Instance);
        var message = new NodeBatch(7, [new PushItem(PushTarget.Topic("t"), FrameKind.Text, "abc"u8.ToArray())]);
        var bytes = serializer.ToBinary(message);

        Assert.ThrowsAny<Exception>(() => serializer.FromBinary(bytes[..^1], serializer.Manifest(message)));
    }
}
