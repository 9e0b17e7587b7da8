using System.Runtime.InteropServices;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Transport;

/// <summary>
/// The node's accept-level cap: how many TCP connections the node holds at once, whatever they are doing
/// (an unfinished handshake, an HTTP request, a WebSocket). Every connection costs a file descriptor, and a
/// process that runs out of descriptors fails in places it cannot recover from (the runtime printed
/// "Out of memory." and aborted under 1,500 idle connections with a limit of 1,024). So the cap is derived
/// from <c>RLIMIT_NOFILE</c> less the descriptors open at start (the runtime keeps every loaded assembly open:
/// about 230) less <c>actorpush.limits.descriptor-reserve</c> (assemblies loaded later, files, logs, cluster
/// links). The first connection middleware (<see cref="PushConnectionMiddleware"/>, which sees every connection
/// from its first byte to its end) takes a slot for each new connection (<see cref="TryEnter"/>) and gives it back
/// when the connection ends (<see cref="Leave"/>): over the cap a new connection is closed right after accept, the
/// existing ones keep going, and the node recovers by itself when the flood ends. Refusals are counted
/// (<see cref="Refused"/>, stats <c>connectionsRefused</c>) and summarised in the log at most once a second.
/// </summary>
/// <remarks>
/// It replaces Kestrel's <c>MaxConcurrentConnections</c>, which does the same but keeps a middleware state machine
/// alive per connection: about 240 bytes of heap per idle WebSocket (gcdump of 10,000 idle connections), where one
/// counter here costs nothing per connection.
/// </remarks>
public sealed partial class AcceptCap : IHostedService, IDisposable
{
    private readonly ILogger<AcceptCap> _logger;
    private readonly int _limit;
    private Timer? _summary;
    private int _open;
    private long _refused;
    private long _logged;

    public AcceptCap(ActorPushSettings settings, ILogger<AcceptCap> logger)
    {
        _logger = logger;
        (Limit, Explanation) = Derive(settings.MaxTcpConnections, settings.DescriptorReserve, SoftDescriptorLimit(), OpenDescriptors());
        _limit = Limit ?? int.MaxValue;
    }

    /// <summary>The cap in TCP connections; null when there is none.</summary>
    public int? Limit { get; }

    /// <summary>How the cap was derived, as the startup log says it.</summary>
    public string Explanation { get; }

    /// <summary>TCP connections holding a slot now (a snapshot).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections closed at accept because the node held <see cref="Limit"/> already.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Takes a slot for a connection just accepted; false (counted) when the node holds its cap.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _open) <= _limit)
            return true;
        Interlocked.Decrement(ref _open);
        Interlocked.Increment(ref _refused);
        return false;
    }

    /// <summary>Takes one more slot, whatever the cap: for a connection that moves on holding the slot it had (handed to Kestrel).</summary>
    public void Keep() => Interlocked.Increment(ref _open);

    /// <summary>A connection that held a slot ended.</summary>
    public void Leave() => Interlocked.Decrement(ref _open);

    /// <summary>
    /// The cap: <paramref name="configured"/> when set (> 0), else the descriptor limit less those open now less
    /// the reserve (never below half of what is left, so a small limit still leaves room for connections); null
    /// when <paramref name="configured"/> is 0 (off) or the limit is unknown (not Linux/macOS) and nothing is configured.
    /// </summary>
    public static (int? Limit, string Explanation) Derive(int? configured, int reserve, long? descriptorLimit, int openNow)
    {
        var nofile = descriptorLimit is { } known ? known.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
        if (configured == 0)
            return (null, $"no accept cap (actorpush.limits.max-tcp-connections = 0; RLIMIT_NOFILE {nofile})");
        if (configured is { } fixedCap)
        {
            var warning = descriptorLimit is { } limit && fixedCap > limit - openNow - reserve
                ? $"; ABOVE RLIMIT_NOFILE {limit} less {openNow} open less the reserve of {reserve}: the process may run out of descriptors"
                : $"; RLIMIT_NOFILE {nofile}";
            return (fixedCap, $"{fixedCap} TCP connections (actorpush.limits.max-tcp-connections{warning})");
        }

        if (descriptorLimit is not { } soft)
            return (null, "no accept cap: the descriptor limit (RLIMIT_NOFILE) is unknown on this platform; set actorpush.limits.max-tcp-connections");
        var left = Math.Max(soft - openNow, 2);
        var derived = (int)Math.Clamp(Math.Max(left - reserve, left / 2), 1, int.MaxValue);
        return (derived, $"{derived} TCP connections (RLIMIT_NOFILE {soft} less {openNow} open at start less actorpush.limits.descriptor-reserve {reserve})");
    }

    /// <summary>Descriptors this process has open now (0 where /proc is not there).</summary>
    public static int OpenDescriptors()
    {
        try
        {
            return Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogDerived(_logger, Explanation);
        _summary = new Timer(_ => Summarise(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _summary?.Dispose();

    private void Summarise()
    {
        var refused = Refused;
        var since = refused - Interlocked.Exchange(ref _logged, refused);
        if (since > 0)
            LogRefused(_logger, since, Limit ?? 0, refused);
    }

    /// <summary>The soft <c>RLIMIT_NOFILE</c>, or null where it cannot be read.</summary>
    public static long? SoftDescriptorLimit()
    {
        int resource;
        if (OperatingSystem.IsLinux())
            resource = 7;
        else if (OperatingSystem.IsMacOS())
            resource = 8;
        else
            return null;
        return getrlimit(resource, out var limit) == 0 && limit.Current is > 0 and < long.MaxValue ? (long)limit.Current : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accept cap: {Explanation}")]
    private static partial void LogDerived(ILogger logger, string explanation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Count} TCP connections in the last second: the node holds its accept cap of {Limit} (actorpush.limits.max-tcp-connections; {Total} since start)")]
    private static partial void LogRefused(ILogger logger, long count, int limit, long total);
}
