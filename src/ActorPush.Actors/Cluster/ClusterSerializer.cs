using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using ActorPush.Actors.Push;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Cluster;

/// <summary>
/// The wire format of every <see cref="IClusterMessage"/>: hand-rolled binary, a manifest per type and a version
/// byte first in every payload, so a node can refuse (with a clear error) what a newer version sends it. Strings are
/// UTF-8 with a length prefix, payloads raw bytes with a length prefix. Bound in hocon/actorpush.conf.
/// </summary>
public sealed class ClusterSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private ClusterCounters? _counters; // looked up on first use: serializers are made while the actor system starts

    /// <summary>The format every message is written in; a reader accepts exactly this one.</summary>
    public const byte Version = 3;

    private const string BatchManifest = "B";
    private const string BatchAckManifest = "A";
    private const string AskPresenceManifest = "P?";
    private const string PresenceReplyManifest = "P";
    private const string AskTopicManifest = "T?";
    private const string TopicReplyManifest = "T";
    private const string AskStatsManifest = "S?";
    private const string StatsReplyManifest = "S";
    private const byte PushTag = 1;
    private const byte CommandTag = 2;

    public override int Identifier => 4711;

    public override string Manifest(object o) => o switch
    {
        NodeBatch => BatchManifest,
        BatchAck => BatchAckManifest,
        AskPresence => AskPresenceManifest,
        PresenceReply => PresenceReplyManifest,
        AskTopic => AskTopicManifest,
        TopicReply => TopicReplyManifest,
        AskStats => AskStatsManifest,
        StatsReply => StatsReplyManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a cluster message", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var writer = new Writer();
        writer.Byte(Version);
        switch (obj)
        {
            case NodeBatch batch:
                writer.Long(batch.Sequence);
                writer.Int(batch.Items.Count);
                foreach (var item in batch.Items)
                    WriteItem(writer, item);
                break;
            case BatchAck ack:
                writer.Long(ack.Sequence);
                break;
            case AskPresence ask:
                writer.String(ask.UserId);
                break;
            case PresenceReply reply:
                writer.Int(reply.Connections);
                break;
            case AskTopic ask:
                writer.String(ask.Topic);
                break;
            case TopicReply reply:
                writer.Int(reply.Subscribers);
                break;
            case AskStats:
                break;
            case StatsReply reply:
                WriteStats(writer, reply.Stats);
                break;
            default:
                throw new ArgumentException($"{obj.GetType()} is not a cluster message", nameof(obj));
        }

        var bytes = writer.ToArray();
        if (obj is NodeBatch sent)
            (_counters ??= ClusterCounters.Get(system)).BatchSent(sent.Items.Count, bytes.Length); // a batch is serialized only to cross to another node
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var reader = new Reader(bytes);
        var version = reader.Byte();
        if (version != Version)
            throw new SerializationException($"cluster message {manifest} has format version {version}; this node reads version {Version} only");
        return manifest switch
        {
            BatchManifest => ReadBatch(reader),
            BatchAckManifest => new BatchAck(reader.Long()),
            AskPresenceManifest => new AskPresence(reader.String()),
            PresenceReplyManifest => new PresenceReply(reader.Int()),
            AskTopicManifest => new AskTopic(reader.String()),
            TopicReplyManifest => new TopicReply(reader.Int()),
            AskStatsManifest => AskStats.Instance,
            StatsReplyManifest => new StatsReply(ReadStats(reader)),
            _ => throw new SerializationException($"unknown cluster message manifest '{manifest}'"),
        };
    }

    private static void WriteItem(Writer writer, object item)
    {
        switch (item)
        {
            case PushItem push:
                writer.Byte(PushTag);
                writer.Byte((byte)push.Target.Kind);
                writer.String(push.Target.Name);
                writer.Byte((byte)push.Kind);
                writer.Bytes(push.Payload.Span);
                break;
            case UserCommand command:
                writer.Byte(CommandTag);
                writer.Byte((byte)command.Kind);
                writer.String(command.UserId);
                writer.String(command.Topic);
                writer.UShort(command.Code);
                writer.String(command.Reason);
                break;
            default:
                throw new ArgumentException($"{item.GetType()} cannot travel in a node batch", nameof(item));
        }
    }

    private static NodeBatch ReadBatch(Reader reader)
    {
        var sequence = reader.Long();
        var count = reader.Int();
        if (count < 0)
            throw new SerializationException("negative item count in a node batch");
        var items = new object[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = reader.Byte() switch
            {
                PushTag => new PushItem(new PushTarget((PushTargetKind)reader.Byte(), reader.String()), (FrameKind)reader.Byte(), reader.Bytes()),
                CommandTag => new UserCommand((UserCommandKind)reader.Byte(), reader.String(), reader.String(), reader.UShort(), reader.String()),
                var tag => throw new SerializationException($"unknown node batch item tag {tag}"),
            };
        }

        return new NodeBatch(sequence, items);
    }

    private static void WriteStats(Writer writer, NodeStats stats)
    {
        writer.String(stats.Node);
        writer.Int(stats.Connections);
        writer.Int(stats.Users);
        writer.Int(stats.Topics);
        writer.Int(stats.Subscriptions);
        foreach (var counter in (ReadOnlySpan<long>)[stats.MessagesIn, stats.MessagesOut, stats.PublishesDropped, stats.ClientFramesDiscarded,
                     stats.SlowConsumerDisconnects, stats.RateLimitDisconnects, stats.SubscriptionsRefused, stats.OutboxDropped,
                     stats.ClusterBatchesSent, stats.ClusterItemsSent, stats.ClusterBytesSent])
            writer.Long(counter);
    }

    private static NodeStats ReadStats(Reader reader) =>
        new(reader.String(), reader.Int(), reader.Int(), reader.Int(), reader.Int(),
            reader.Long(), reader.Long(), reader.Long(), reader.Long(), reader.Long(), reader.Long(), reader.Long(), reader.Long(),
            reader.Long(), reader.Long(), reader.Long());

    private sealed class Writer
    {
        private byte[] _buffer = new byte[256];
        private int _length;

        public void Byte(byte value) => Reserve(1)[0] = value;

        public void UShort(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

        public void Int(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

        public void Long(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

        public void String(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            Int(length);
            Encoding.UTF8.GetBytes(value, Reserve(length));
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            Int(value.Length);
            value.CopyTo(Reserve(value.Length));
        }

        public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

        private Span<byte> Reserve(int count)
        {
            if (_length + count > _buffer.Length)
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
            var span = _buffer.AsSpan(_length, count);
            _length += count;
            return span;
        }
    }

    private ref struct Reader(byte[] bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public byte Byte() => Take(1)[0];

        public ushort UShort() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public string String() => Encoding.UTF8.GetString(Take(Length()));

        public byte[] Bytes() => Take(Length()).ToArray();

        private int Length()
        {
            var length = Int();
            return length >= 0 ? length : throw new SerializationException("negative length in a cluster message");
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _bytes.Length - _position)
                throw new SerializationException("cluster message ends early");
            var span = _bytes.Slice(_position, count);
            _position += count;
            return span;
        }
    }
}
