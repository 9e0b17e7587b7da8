using System.Diagnostics;
using System.Numerics;

namespace ActorPush.LoadTest;

/// <summary>
/// What one receiving client saw from every sender: a bitmap of sequence numbers (duplicates),
/// the highest sequence seen so far (order), counts, and latency into the shared histogram.
/// Touched only by the client's own receive loop, so nothing here is synchronised.
/// </summary>
public sealed class DeliveryTracker
{
    private readonly int _messagesPerSender;
    private readonly int _wordsPerSender;
    private readonly ulong[] _seen;
    private readonly long[] _highest;
    private readonly long[] _lowest;
    private readonly LatencyHistogram? _latency;
    private readonly long _ticksPerMicro;
    private long _received;

    public DeliveryTracker(int senders, int messagesPerSender, LatencyHistogram? latency)
    {
        _messagesPerSender = messagesPerSender;
        _wordsPerSender = (messagesPerSender + 63) / 64;
        _seen = new ulong[Math.Max(1, senders) * _wordsPerSender];
        _highest = new long[Math.Max(1, senders)];
        _lowest = new long[Math.Max(1, senders)];
        Array.Fill(_highest, -1);
        Array.Fill(_lowest, -1);
        _latency = latency;
        _ticksPerMicro = Math.Max(1, Stopwatch.Frequency / 1_000_000);
    }

    /// <summary>Deliveries counted (duplicates included); read racily by the progress line.</summary>
    public long Received => Volatile.Read(ref _received);

    public long Duplicates { get; private set; }

    public long OrderViolations { get; private set; }

    public long Foreign { get; private set; }

    /// <summary>Stopwatch timestamp of the latest tracked delivery (0 before the first).</summary>
    public long LastDelivery { get; private set; }

    /// <summary>Called with the sender id of every published message this client received (used for the senders' window).</summary>
    public Action<int>? OnSenderMessage { get; set; }

    public void OnMessage(ReadOnlySpan<byte> payload)
    {
        if (!MessagePayload.TryRead(payload, out var sender, out var seq, out var timestamp)
            || (uint)sender >= (uint)_highest.Length
            || (ulong)seq >= (ulong)_messagesPerSender)
        {
            Foreign++;
            return;
        }

        Volatile.Write(ref _received, _received + 1);
        var word = sender * _wordsPerSender + (int)(seq >> 6);
        var bit = 1UL << (int)(seq & 63);
        if ((_seen[word] & bit) != 0)
        {
            Duplicates++;
        }
        else
        {
            _seen[word] |= bit;
            if (seq < _highest[sender])
            {
                OrderViolations++;
            }
        }

        if (seq > _highest[sender])
        {
            _highest[sender] = seq;
        }

        if (_lowest[sender] < 0 || seq < _lowest[sender])
        {
            _lowest[sender] = seq;
        }

        var now = Stopwatch.GetTimestamp();
        LastDelivery = now;
        _latency?.Record((now - timestamp) / _ticksPerMicro);
        OnSenderMessage?.Invoke(sender);
    }

    /// <summary>Distinct messages received from all senders.</summary>
    public long Unique()
    {
        long total = 0;
        foreach (var w in _seen)
        {
            total += BitOperations.PopCount(w);
        }

        return total;
    }

    /// <summary>
    /// Messages missing inside the window this client was connected for: from the first to the last
    /// sequence number it saw of each sender (a client that joined mid-run cannot expect earlier ones).
    /// </summary>
    public long GapsInsideWindow()
    {
        long missing = 0;
        for (var s = 0; s < _highest.Length; s++)
        {
            if (_highest[s] < 0)
            {
                continue;
            }

            long present = 0;
            for (var w = 0; w < _wordsPerSender; w++)
            {
                present += BitOperations.PopCount(_seen[s * _wordsPerSender + w]);
            }

            missing += _highest[s] - _lowest[s] + 1 - present;
        }

        return missing;
    }
}
