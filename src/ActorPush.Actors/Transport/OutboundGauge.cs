using Akka.Actor;

namespace ActorPush.Actors.Transport;

/// <summary>
/// Bytes of outbound frames this node holds for its clients, counted from the moment a frame is told to
/// a ClientActor (its mailbox) until its connection has written it into the socket's pipe (its send
/// queue): the fan-out's backlog, which the transport compares with its high- and low-water marks and
/// the node-wide cap (<c>actorpush.limits.max-outbound-bytes</c>). Each queued entry costs
/// <see cref="Cost"/>: the frame's bytes plus a fixed <see cref="EntryOverhead"/> for the objects that
/// hold it, so a queue of tiny frames is counted for the memory it really takes. A shared broadcast
/// frame is counted once per recipient, which makes the gauge an upper bound of the memory held.
///
/// One per actor system (an Akka extension). Every delivery adds and every write subtracts, from many
/// threads, so the count is striped: each processor adds to its own cache line, and a reader sums the
/// stripes (a moment's snapshot; a stripe may be negative when a frame was counted on one processor
/// and written on another).
/// </summary>
public sealed class OutboundGauge : IExtension
{
    /// <summary>What one queued entry costs beyond its frame's bytes (the frame object, its array's header, the queue slot).</summary>
    public const int EntryOverhead = 64;

    private const int Stride = 8; // longs per stripe: 64 bytes, one cache line each
    private readonly long[] _stripes;
    private readonly int _mask;

    public OutboundGauge()
    {
        var stripes = 1;
        while (stripes < Math.Min(Environment.ProcessorCount, 64))
            stripes <<= 1;
        _mask = stripes - 1;
        _stripes = new long[(stripes + 1) * Stride]; // stripe i at (i + 1) * Stride: nothing else shares their lines
    }

    public static OutboundGauge Get(ActorSystem system) => system.WithExtension<OutboundGauge, OutboundGaugeProvider>();

    /// <summary>Bytes held now (a snapshot summed over the stripes).</summary>
    public long Total
    {
        get
        {
            long total = 0;
            for (var i = 1; i <= _mask + 1; i++)
                total += Volatile.Read(ref _stripes[i * Stride]);
            return total;
        }
    }

    /// <summary>What <paramref name="frame"/> costs while it waits in a queue.</summary>
    public static long Cost(OutboundFrame frame) => frame.Size + EntryOverhead;

    /// <summary>Adds (or, negative, takes away) <paramref name="bytes"/>.</summary>
    public void Add(long bytes) =>
        Interlocked.Add(ref _stripes[((Thread.GetCurrentProcessorId() & _mask) + 1) * Stride], bytes);
}

public sealed class OutboundGaugeProvider : ExtensionIdProvider<OutboundGauge>
{
    public override OutboundGauge CreateExtension(ExtendedActorSystem system) => new();
}
