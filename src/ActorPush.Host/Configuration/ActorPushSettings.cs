using System.Globalization;
using Akka.Configuration;
using ActorPush.Actors.Settings;
using static ActorPush.Actors.Settings.SettingsReader;

namespace ActorPush.Host.Configuration;

/// <summary>
/// Typed view of the Host's part of the <c>actorpush</c> HOCON section (transport, API, auth, limits, memory),
/// read and validated once at start, with the actors' own part in <see cref="Actors"/>.
/// Unknown keys (any not in the shipped <c>actorpush.conf</c>) and values of the wrong type stop the start with
/// an <see cref="ActorPushConfigException"/> naming the key.
/// </summary>
public sealed record ActorPushSettings
{
    /// <summary>Shortest <c>auth.jwt-secret</c> accepted: HS256 needs a key of at least 256 bits.</summary>
    public const int MinJwtSecretBytes = 32;

    public required int MaxMessageSize { get; init; }
    public required TimeSpan ShutdownTimeout { get; init; }

    /// <summary>The listen backlog as configured; 0 means what the kernel allows (see <c>ListenBacklog</c>).</summary>
    public required int ListenBacklog { get; init; }

    /// <summary>Whether socket and pipe continuations run inline on the I/O threads (<c>inline-io</c>; see <c>Transport/InlineIo</c>).</summary>
    public required bool InlineIo { get; init; }

    /// <summary>The nice value of the socket engine threads; 0 leaves them alone (<c>io-thread-nice</c>; see <c>Transport/IoThreadPriority</c>).</summary>
    public required int IoThreadNice { get; init; }
    public required long SendQueueLimit { get; init; }
    public required PublishMode Publish { get; init; }
    public required TimeSpan KeepAliveInterval { get; init; }
    public required TimeSpan KeepAliveTimeout { get; init; }
    public required TimeSpan CloseTimeout { get; init; }

    /// <summary>The settings the actors read (topics per connection, the broadcast mailbox).</summary>
    public required ActorSettings Actors { get; init; }

    /// <summary>Messages per second a client may send; 0 turns the limit off.</summary>
    public required double RateLimit { get; init; }

    /// <summary>Messages a client may send at once before <see cref="RateLimit"/> applies.</summary>
    public required int RateLimitBurst { get; init; }

    /// <summary>Bytes per second a client may send (payloads, pings included); 0 turns the limit off.</summary>
    public required long RateLimitBytes { get; init; }

    /// <summary>Whether a client's socket stops being read while the fan-out is over its high-water mark.</summary>
    public required bool Backpressure { get; init; }

    /// <summary>Outbound bytes held node-wide above which client sockets stop being read (resumed below half of it).</summary>
    public required long BackpressureHighWater { get; init; }

    /// <summary>Bytes of publishes waiting in the broadcast mailbox above which client sockets stop being read.</summary>
    public required long BackpressureBroadcastHighWater { get; init; }

    /// <summary>Longest a client's socket stays unread for backpressure before reading resumes anyway.</summary>
    public required TimeSpan BackpressureMaxPause { get; init; }

    /// <summary>Outbound bytes this node holds at most; over it the largest queues are cut (4008). 0 means no cap.</summary>
    public required long MaxOutboundBytes { get; init; }

    /// <summary>Connections this node accepts; 0 means no limit.</summary>
    public required int MaxConnections { get; init; }

    /// <summary>TCP connections Kestrel holds at once (accept-level cap); null: derived from RLIMIT_NOFILE; 0: off.</summary>
    public required int? MaxTcpConnections { get; init; }

    /// <summary>Descriptors kept back from the derived accept cap for files, logs, cluster links and the runtime.</summary>
    public required int DescriptorReserve { get; init; }

    /// <summary>Connections one user may hold on this node; 0 means no limit.</summary>
    public required int MaxConnectionsPerUser { get; init; }

    /// <summary>Connections one client address may hold on this node (behind a trusted proxy: the address it names); 0 means no limit.</summary>
    public required int MaxConnectionsPerAddress { get; init; }

    /// <summary>Browser origins allowed to open <c>/im</c>; empty allows every origin.</summary>
    public required IReadOnlyList<string> AllowedOrigins { get; init; }

    /// <summary>Bearer key every <c>/api</c> call needs; null: the API answers loopback callers only.</summary>
    public required string? ApiKey { get; init; }

    /// <summary>Host names (besides loopback names) a keyless API answers, e.g. a name in /etc/hosts for this machine.</summary>
    public required IReadOnlyList<string> ApiAllowedHosts { get; init; }

    /// <summary>Addresses or CIDR ranges of proxies whose <c>Forwarded</c>/<c>X-Forwarded-For</c>/<c>X-Real-IP</c> are believed.</summary>
    public required IReadOnlyList<string> TrustedProxies { get; init; }

    /// <summary>How long an API call waits for an actor's answer (presence, stats).</summary>
    public required TimeSpan ApiAskTimeout { get; init; }

    /// <summary>HS256 secret for <c>/im?token=</c>; null: clients name themselves with <c>user_id</c>.</summary>
    public required string? JwtSecret { get; init; }

    /// <summary>Clock difference tolerated when checking a token's <c>exp</c> and <c>nbf</c>.</summary>
    public required TimeSpan JwtClockSkew { get; init; }

    /// <summary>Longest a token may still be valid for when presented (exp minus now); zero: no limit.</summary>
    public required TimeSpan JwtMaxLifetime { get; init; }

    /// <summary>A client subscribes itself only to topics its token's <c>topics</c> claim grants (no token or claim: none).</summary>
    public required bool TopicsNeedGrant { get; init; }

    /// <summary>Whether a quiet process gives the memory of its last burst back (see <c>memory.trim</c>).</summary>
    public required bool MemoryTrim { get; init; }

    /// <summary>How long allocations must stay below <see cref="MemoryTrimQuietRate"/> before a trim.</summary>
    public required TimeSpan MemoryTrimQuietPeriod { get; init; }

    /// <summary>Bytes allocated per second below which the process counts as quiet.</summary>
    public required long MemoryTrimQuietRate { get; init; }

    /// <summary>Bytes the process must have allocated since the last trim before it trims again.</summary>
    public required long MemoryTrimAfterAllocated { get; init; }

    /// <summary>Whether the meter records on the hot path and <c>/metrics</c> is served (<c>metrics.enabled</c>).</summary>
    public required bool MetricsEnabled { get; init; }

    /// <summary>Whether <c>/metrics</c> answers every caller instead of following the <c>/api</c> access rule.</summary>
    public required bool MetricsPublic { get; init; }

    /// <summary>How long a stopping node answers <c>/readyz</c> with 503 before it closes its clients.</summary>
    public required TimeSpan ShutdownDrain { get; init; }

    /// <summary>Console log format: <c>text</c> (the default) or <c>json</c>.</summary>
    public required string LogFormat { get; init; }

    public static ActorPushSettings Create(Config root)
    {
        var config = ActorPushSection(root);
        return new ActorPushSettings
        {
            Actors = ActorSettings.Create(root),
            MaxMessageSize = (int)Size(config, "max-message-size", min: 1, max: 64L * 1024 * 1024),
            ShutdownTimeout = Duration(config, "shutdown-timeout", min: TimeSpan.FromMilliseconds(100)),
            ListenBacklog = (int)Number(config, "listen-backlog", min: 0, max: 1 << 20),
            InlineIo = Flag(config, "inline-io"),
            IoThreadNice = (int)Number(config, "io-thread-nice", min: 0, max: 19),
            SendQueueLimit = Size(config, "client.send-queue-limit", min: 1, max: long.MaxValue),
            Publish = Mode(config, "client.publish"),
            KeepAliveInterval = Duration(config, "client.keepalive-interval", min: TimeSpan.Zero),
            KeepAliveTimeout = Duration(config, "client.keepalive-timeout", min: TimeSpan.FromMilliseconds(100)),
            CloseTimeout = Duration(config, "client.close-timeout", min: TimeSpan.FromMilliseconds(10)),
            RateLimit = Rate(config, "client.rate-limit"),
            RateLimitBurst = (int)Number(config, "client.rate-limit-burst", min: 1, max: int.MaxValue),
            RateLimitBytes = Size(config, "client.rate-limit-bytes", min: 0, max: long.MaxValue),
            Backpressure = Flag(config, "client.backpressure"),
            BackpressureHighWater = Size(config, "client.backpressure-high-water", min: 2, max: long.MaxValue),
            BackpressureBroadcastHighWater = Size(config, "client.backpressure-broadcast-high-water", min: 2, max: long.MaxValue),
            BackpressureMaxPause = Duration(config, "client.backpressure-max-pause", min: TimeSpan.FromMilliseconds(10)),
            MaxOutboundBytes = Size(config, "limits.max-outbound-bytes", min: 0, max: long.MaxValue),
            MaxConnections = (int)Number(config, "limits.max-connections", min: 0, max: int.MaxValue),
            MaxTcpConnections = AutoOrNumber(config, "limits.max-tcp-connections"),
            DescriptorReserve = (int)Number(config, "limits.descriptor-reserve", min: 0, max: 1_000_000),
            MaxConnectionsPerUser = (int)Number(config, "limits.max-connections-per-user", min: 0, max: int.MaxValue),
            MaxConnectionsPerAddress = (int)Number(config, "limits.max-connections-per-address", min: 0, max: int.MaxValue),
            AllowedOrigins = Origins(config, "allowed-origins"),
            ApiKey = Secret(config, "api.key", minBytes: 16),
            ApiAllowedHosts = Hosts(config, "api.allowed-hosts"),
            TrustedProxies = Networks(config, "trusted-proxies"),
            ApiAskTimeout = Duration(config, "api.ask-timeout", min: TimeSpan.FromMilliseconds(10)),
            JwtSecret = Secret(config, "auth.jwt-secret", minBytes: MinJwtSecretBytes),
            JwtClockSkew = Duration(config, "auth.clock-skew", min: TimeSpan.Zero),
            JwtMaxLifetime = Duration(config, "auth.max-token-lifetime", min: TimeSpan.Zero),
            TopicsNeedGrant = Flag(config, "auth.topics-need-grant"),
            MemoryTrim = Flag(config, "memory.trim"),
            MemoryTrimQuietPeriod = Duration(config, "memory.trim-quiet-period", min: TimeSpan.FromMilliseconds(100)),
            MemoryTrimQuietRate = Size(config, "memory.trim-quiet-rate", min: 0, max: long.MaxValue),
            MemoryTrimAfterAllocated = Size(config, "memory.trim-after-allocated", min: 1, max: long.MaxValue),
            MetricsEnabled = Flag(config, "metrics.enabled"),
            MetricsPublic = Flag(config, "metrics.public"),
            ShutdownDrain = Duration(config, "shutdown-drain", min: TimeSpan.Zero),
            LogFormat = Read(config, "log.format", k => config.GetString(k)) switch
            {
                var format when format is "text" or "json" => format,
                var other => throw new ActorPushConfigException("actorpush.log.format", $"must be 'text' or 'json', was '{other}'"),
            },
        };
    }

    private static int? AutoOrNumber(Config config, string key) =>
        Read(config, key, k => config.GetString(k)) == "auto" ? null : (int)Number(config, key, min: 0, max: int.MaxValue);

    private static double Rate(Config config, string key)
    {
        var value = Read(config, key, k => double.Parse(config.GetString(k), NumberStyles.Float, CultureInfo.InvariantCulture));
        if (!double.IsFinite(value) || value < 0 || value > 1_000_000)
            throw new ActorPushConfigException(Name(key), $"must be between 0 (off) and 1000000 messages per second, was {value}");
        return value;
    }

    /// <summary>An optional secret: empty means not set; when set it must be at least <paramref name="minBytes"/> bytes.</summary>
    private static string? Secret(Config config, string key, int minBytes)
    {
        var value = Read(config, key, k => config.GetString(k) ?? "");
        if (value.Length == 0)
            return null;
        if (System.Text.Encoding.UTF8.GetByteCount(value) < minBytes)
            throw new ActorPushConfigException(Name(key), $"must be at least {minBytes} bytes long (or empty to turn it off)");
        return value;
    }

    private static IReadOnlyList<string> Origins(Config config, string key)
    {
        var values = Read(config, key, k => config.GetStringList(k));
        var origins = new List<string>(values.Count);
        foreach (var value in values)
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                uri.PathAndQuery != "/" || value.EndsWith('/'))
                throw new ActorPushConfigException(Name(key), $"must list origins like \"https://app.example.com\" (scheme, host, optional port), got '{value}'");
            origins.Add(value);
        }

        return origins;
    }

    private static IReadOnlyList<string> Hosts(Config config, string key)
    {
        var values = Read(config, key, k => config.GetStringList(k));
        foreach (var value in values)
        {
            if (Uri.CheckHostName(value) is UriHostNameType.Unknown || value.Contains(':'))
                throw new ActorPushConfigException(Name(key), $"must list host names like \"push.internal\" (no scheme, no port), got '{value}'");
        }

        return values.ToArray();
    }

    private static IReadOnlyList<string> Networks(Config config, string key)
    {
        var values = Read(config, key, k => config.GetStringList(k));
        foreach (var value in values)
        {
            if (!System.Net.IPAddress.TryParse(value, out _) && !System.Net.IPNetwork.TryParse(value, out _))
                throw new ActorPushConfigException(Name(key), $"must list addresses or CIDR ranges like \"127.0.0.1\" or \"10.0.0.0/8\", got '{value}'");
        }

        return values.ToArray();
    }

    private static PublishMode Mode(Config config, string key) =>
        Read(config, key, k => config.GetString(k)) switch
        {
            "broadcast" => PublishMode.Broadcast,
            "off" => PublishMode.Off,
            var other => throw new ActorPushConfigException(Name(key), $"must be 'broadcast' or 'off', was '{other}'"),
        };
}
