using System.Buffers.Binary;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using ActorPush.Actors.Cluster;
using ActorPush.Actors.Push;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Tests;

/// <summary>
/// One node's outbox for another, over real Akka.Remote between two actor systems on loopback: while the other node
/// is reachable but does not acknowledge, at most batches-in-flight batches are on the wire, at most outbox-limit items
/// wait, and the rest are dropped and counted; once it acknowledges, what waited follows in order.
/// </summary>
public sealed class NodeOutboxSpecs() : TestKit(Remoting)
{
    private const string Remoting = """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.actor.serializers.actorpush-cluster = "ActorPush.Actors.Cluster.ClusterSerializer, ActorPush.Actors"
        akka.actor.serialization-bindings { "ActorPush.Actors.Cluster.IClusterMessage, ActorPush.Actors" = actorpush-cluster }
        akka.loglevel = WARNING
        """;

    private const int Limit = 20;
    private const int Window = 2;

    [Fact]
    public void A_reachable_node_that_does_not_acknowledge_gets_at_most_the_window_and_the_outbox_holds_at_most_its_limit()
    {
        var peer = ActorSystem.Create("peer", Sys.Settings.Config);
        try
        {
            var seen = CreateTestProbe();
            var router = peer.ActorOf(Props.Create(() => new StallingRouter(seen.Ref)), PushRouterActor.Name);
            var peerAddress = ((ExtendedActorSystem)peer).Provider.DefaultAddress;
            // 600-byte payloads against 1 KiB batches: one push per batch, so the window counts pushes too.
            var outbox = Sys.ActorOf(NodeOutboxActor.Props(peerAddress, Limit, batchBytes: 1024, Window));

            // The outbox finds the router and its first batch is acknowledged.
            outbox.Tell(Push(0));
            Assert.Equal([0], seen.ExpectMsg<Seen>().Items);
            router.Tell(StallingRouter.AckAll.Instance);
            // The ack travels over remoting: wait until the outbox has it, or its window is still one short while the
            // pushes below arrive, and a late ack frees a slot amid them (then a later push is kept after earlier drops).
            router.Tell(StallingRouter.Sync.Instance);
            seen.ExpectMsg<StallingRouter.Synced>();

            // Now the router stops acknowledging: 2 batches go out, 20 pushes wait, the other 18 are dropped and counted.
            router.Tell(StallingRouter.Stall.Instance);
            const int pushes = 40;
            for (var i = 1; i <= pushes; i++)
                outbox.Tell(Push(i));
            var counters = ClusterCounters.Get(Sys);
            AwaitCondition(() => counters.OutboxDropped >= pushes - Limit - Window);

            // Acknowledged again, everything that waited arrives, in order, and never more than the window unacknowledged.
            router.Tell(StallingRouter.AckAll.Instance);
            var expected = 1 + pushes - (int)counters.OutboxDropped; // the first push, then all but the dropped ones
            var received = new List<int> { 0 };
            while (received.Count < expected)
            {
                var batch = seen.ExpectMsg<Seen>();
                Assert.True(batch.UnacknowledgedBefore < Window, $"batch {batch.Sequence} arrived with {batch.UnacknowledgedBefore} unacknowledged before it");
                received.AddRange(batch.Items);
            }

            // Kept pushes arrive once each and in order. Which ones were dropped depends on where the outbox's flush came
            // up among the pushes (a send frees room in the queue), so the newest need not be the only ones dropped.
            Assert.Equal(expected, received.Count);
            Assert.Equal(0, received[0]);
            Assert.True(received.Zip(received.Skip(1)).All(pair => pair.First < pair.Second), $"out of order or repeated: {string.Join(",", received)}");
            Assert.InRange(received[^1], expected - 1, pushes);
            Assert.InRange(counters.OutboxDropped, pushes - Limit - Window, pushes - Limit);
        }
        finally
        {
            Shutdown(peer);
        }
    }

    private static PushItem Push(int index)
    {
        var payload = new byte[600];
        BinaryPrimitives.WriteInt32LittleEndian(payload, index);
        return new PushItem(PushTarget.Everyone, FrameKind.Binary, payload);
    }

    /// <summary>What the stalling router received: a batch, its pushes' indices and how many batches it held unacknowledged then.</summary>
    private sealed record Seen(long Sequence, int[] Items, int UnacknowledgedBefore);

    /// <summary>
    /// Stands at the other node's <c>push-router</c> path: reports every batch to the test, and acknowledges each at
    /// once (<see cref="AckAll"/>) or holds its acks (<see cref="Stall"/>) until told to acknowledge again.
    /// </summary>
    private sealed class StallingRouter : ReceiveActor
    {
        private IActorRef? _outbox;
        private long _last;
        private long _acked;
        private bool _stalled;

        public StallingRouter(IActorRef seen)
        {
            Receive<NodeBatch>(batch =>
            {
                _outbox = Sender;
                _last = batch.Sequence;
                var items = batch.Items.Cast<PushItem>().Select(item => BinaryPrimitives.ReadInt32LittleEndian(item.Payload.Span)).ToArray();
                seen.Tell(new Seen(batch.Sequence, items, (int)(batch.Sequence - 1 - _acked)));
                if (!_stalled)
                    Acknowledge();
            });
            Receive<Stall>(_ => _stalled = true);
            // An Identify behind the acks on the same path: its answer means the outbox has processed them.
            Receive<Sync>(_ => _outbox!.Tell(new Identify(null)));
            Receive<ActorIdentity>(_ => seen.Tell(Synced.Instance));
            Receive<AckAll>(_ =>
            {
                _stalled = false;
                Acknowledge();
            });
        }

        private void Acknowledge()
        {
            if (_outbox is null || _acked == _last)
                return;
            _acked = _last;
            _outbox.Tell(new BatchAck(_last));
        }

        public sealed class Stall
        {
            public static readonly Stall Instance = new();
        }

        public sealed class AckAll
        {
            public static readonly AckAll Instance = new();
        }

        public sealed class Sync
        {
            public static readonly Sync Instance = new();
        }

        public sealed class Synced
        {
            public static readonly Synced Instance = new();
        }
    }
}
