using System.Runtime;

namespace ActorPush.LoadTest;

/// <summary>
/// Keeps the load tool's own garbage collector out of a measured phase, and counts what it did in it. A collection
/// in the tool stalls every connection it has in flight, and that stall would be timed as the server's: in a storm
/// of 19,000 connects the tool collected four times (three of them full, blocking collections) for 250-300 ms in
/// all. The window asks the runtime for a no-GC region big enough for the phase; if the runtime refuses, or the
/// phase allocates more than that, the tool collects as usual and the counts say so.
/// </summary>
public sealed class ToolGcWindow
{
    /// <summary>A generous bound on what the tool allocates per connect (about 6 KB measured, receive buffer apart).</summary>
    public const long BytesPerConnect = 16 * 1024;

    private const long Headroom = 16L << 20;
    private const long Largest = 4L << 30;

    private readonly int _collectionsBefore;
    private readonly TimeSpan _pauseBefore;

    public ToolGcWindow(long expectedAllocation)
    {
        try
        {
            // Starting the region collects once, before the phase's clock starts.
            GC.TryStartNoGCRegion(Math.Min(expectedAllocation + Headroom, Largest));
        }
        catch (ArgumentOutOfRangeException)
        {
            // More than this runtime allows in one region: the phase runs with the GC as usual.
        }

        _collectionsBefore = GC.CollectionCount(0);
        _pauseBefore = GC.GetTotalPauseDuration();
    }

    public int Collections { get; private set; }

    public double PauseMs { get; private set; }

    /// <summary>Ends the region if it is still on (a collection ends it early) and takes the counts.</summary>
    public void End()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }

        Collections = GC.CollectionCount(0) - _collectionsBefore;
        PauseMs = (GC.GetTotalPauseDuration() - _pauseBefore).TotalMilliseconds;
    }
}
