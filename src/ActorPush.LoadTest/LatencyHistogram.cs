using System.Numerics;

namespace ActorPush.LoadTest;

/// <summary>
/// A fixed-bucket log-linear histogram of microsecond values (about 1.6 % resolution, 0 µs to days).
/// Recording is lock-free and allocation-free; percentiles are read at the end.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 6; // 64 linear sub-buckets per power of two
    private const int SubBuckets = 1 << SubBucketBits;
    private const int BucketCount = SubBuckets * 64;

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _sum;
    private long _max;

    public long Count => Volatile.Read(ref _count);

    public long Max => Volatile.Read(ref _max);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }

        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        var max = Volatile.Read(ref _max);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The value at <paramref name="percentile"/> (0..100): the upper edge of its bucket, capped at the max.</summary>
    public long Percentile(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(percentile / 100.0 * total);
        rank = Math.Clamp(rank, 1, total);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(UpperEdge(i), Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < 2 * SubBuckets)
        {
            return (int)value;
        }

        var msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = msb - SubBucketBits;
        return shift * SubBuckets + (int)(value >> shift);
    }

    internal static long UpperEdge(int index)
    {
        if (index < 2 * SubBuckets)
        {
            return index;
        }

        var shift = index / SubBuckets - 1;
        var mantissa = (long)(index % SubBuckets + SubBuckets);
        return ((mantissa + 1) << shift) - 1;
    }
}
