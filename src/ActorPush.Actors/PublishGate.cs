using Akka.Actor;

namespace ActorPush.Actors;

/// <summary>
/// The admission gate of the BroadcastActor's mailbox: how many publishes and how many bytes wait there, against
/// <c>mailbox-capacity</c> and <c>mailbox-capacity-bytes</c>. A publish from the API reserves its room here
/// (<see cref="TryReserve"/>) before it is told to the actor, so the API knows synchronously, without an Ask,
/// whether the message entered the fan-out (2xx) or not (503); the mailbox gives the room back when the actor
/// takes the publish out. Publishes that must not be refused (a client's frames, which are slowed by backpressure
/// instead; a publish another node already admitted) enter over the limit (<see cref="Enter"/>).
/// <see cref="Depth"/> and <see cref="Bytes"/> are what a backpressure rule reads.
/// </summary>
public sealed class PublishGate(int capacity, long capacityBytes)
{
    /// <summary>Bytes a queued publish holds besides its payload (envelope, message, frame header and object headers).</summary>
    public const int PerPublishOverhead = 128;

    private long _depth;
    private long _bytes;

    public int Capacity => capacity;

    public long CapacityBytes => capacityBytes;

    /// <summary>Publishes waiting in the mailbox now.</summary>
    public long Depth => Interlocked.Read(ref _depth);

    /// <summary>Bytes the waiting publishes hold (payload plus <see cref="PerPublishOverhead"/> each).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Whether a publish would be refused now.</summary>
    public bool IsFull => Depth >= capacity || Bytes >= capacityBytes;

    public static long Cost(int payloadLength) => payloadLength + (long)PerPublishOverhead;

    /// <summary>
    /// Reserves room for one publish of <paramref name="payloadLength"/> bytes; false when the mailbox holds its
    /// capacity in publishes or the publish would take it over its capacity in bytes (an empty mailbox always
    /// takes one publish, however large).
    /// </summary>
    public bool TryReserve(int payloadLength)
    {
        var cost = Cost(payloadLength);
        if (Interlocked.Increment(ref _depth) > capacity)
        {
            Interlocked.Decrement(ref _depth);
            return false;
        }

        var bytes = Interlocked.Add(ref _bytes, cost);
        if (bytes > capacityBytes && bytes != cost)
        {
            Interlocked.Add(ref _bytes, -cost);
            Interlocked.Decrement(ref _depth);
            return false;
        }

        return true;
    }

    /// <summary>Counts a publish that enters whatever the limits (it was not reserved).</summary>
    public void Enter(int payloadLength)
    {
        Interlocked.Increment(ref _depth);
        Interlocked.Add(ref _bytes, Cost(payloadLength));
    }

    /// <summary>The actor took a publish out of the mailbox: its room is free again.</summary>
    public void Leave(int payloadLength)
    {
        Interlocked.Decrement(ref _depth);
        Interlocked.Add(ref _bytes, -Cost(payloadLength));
    }
}

/// <summary>Where the host finds the BroadcastActor's <see cref="PublishGate"/> (set when its mailbox is created).</summary>
public sealed class BroadcastAdmission : IExtension
{
    private volatile PublishGate? _gate;

    public static BroadcastAdmission Get(ActorSystem system) => system.WithExtension<BroadcastAdmission, BroadcastAdmissionProvider>();

    /// <summary>The gate of the running BroadcastActor's mailbox; null before it started.</summary>
    public PublishGate? Gate
    {
        get => _gate;
        internal set => _gate = value;
    }
}

public sealed class BroadcastAdmissionProvider : ExtensionIdProvider<BroadcastAdmission>
{
    public override BroadcastAdmission CreateExtension(ExtendedActorSystem system) => new();
}
