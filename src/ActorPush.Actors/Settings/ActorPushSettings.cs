using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorPush.Actors.Settings;

/// <summary>
/// Typed view of the <c>actorpush</c> HOCON section, read and validated once at start.
/// Unknown keys and values of the wrong type stop the start with an <see cref="ActorPushConfigException"/>
/// naming the key.
/// </summary>
public sealed record ActorPushSettings
{
    /// <summary>HOCON path of the BroadcastActor's mailbox block (used with <c>Props.WithMailbox</c>).</summary>
    public const string BroadcastMailboxPath = "actorpush.broadcast.mailbox";

    /// <summary>HOCON path of the ClientActors' mailbox block.</summary>
    public const string ClientMailboxPath = "actorpush.client.mailbox";

    // Every leaf key ActorPush knows. Anything else under actorpush.* is a typo and stops the start.
    private static readonly HashSet<string> KnownKeys =
    [
        "max-message-size",
        "shutdown-timeout",
        "client.send-queue-limit",
        "client.publish",
        "client.keepalive-interval",
        "client.keepalive-timeout",
        "client.close-timeout",
        "client.mailbox.mailbox-type",
        "broadcast.mailbox.mailbox-type",
        "broadcast.mailbox.mailbox-capacity",
        "broadcast.mailbox.mailbox-push-timeout-time",
        "client.max-topics",
        "client.rate-limit",
        "client.rate-limit-burst",
        "limits.max-connections",
        "limits.max-connections-per-user",
        "allowed-origins",
        "api.key",
        "api.ask-timeout",
        "auth.jwt-secret",
        "auth.clock-skew",
        "memory.trim",
        "memory.trim-quiet-period",
        "memory.trim-quiet-rate",
        "memory.trim-after-allocated",
    ];

    /// <summary>Shortest <c>auth.jwt-secret</c> accepted: HS256 needs a key of at least 256 bits.</summary>
    public const int MinJwtSecretBytes = 32;

    public required int MaxMessageSize { get; init; }
    public required TimeSpan ShutdownTimeout { get; init; }
    public required long SendQueueLimit { get; init; }
    public required PublishMode Publish { get; init; }
    public required TimeSpan KeepAliveInterval { get; init; }
    public required TimeSpan KeepAliveTimeout { get; init; }
    public required TimeSpan CloseTimeout { get; init; }
    public required int BroadcastMailboxCapacity { get; init; }
    public required TimeSpan BroadcastPushTimeout { get; init; }

    /// <summary>Topics one connection may be subscribed to (at connect and through the API).</summary>
    public required int MaxTopicsPerConnection { get; init; }

    /// <summary>Messages per second a client may send; 0 turns the limit off.</summary>
    public required double RateLimit { get; init; }

    /// <summary>Messages a client may send at once before <see cref="RateLimit"/> applies.</summary>
    public required int RateLimitBurst { get; init; }

    /// <summary>Connections this node accepts; 0 means no limit.</summary>
    public required int MaxConnections { get; init; }

    /// <summary>Connections one user may hold on this node; 0 means no limit.</summary>
    public required int MaxConnectionsPerUser { get; init; }

    /// <summary>Browser origins allowed to open <c>/im</c>; empty allows every origin.</summary>
    public required IReadOnlyList<string> AllowedOrigins { get; init; }

    /// <summary>Bearer key every <c>/api</c> call needs; null: the API answers loopback callers only.</summary>
    public required string? ApiKey { get; init; }

    /// <summary>How long an API call waits for an actor's answer (presence, stats).</summary>
    public required TimeSpan ApiAskTimeout { get; init; }

    /// <summary>HS256 secret for <c>/im?token=</c>; null: clients name themselves with <c>user_id</c>.</summary>
    public required string? JwtSecret { get; init; }

    /// <summary>Clock difference tolerated when checking a token's <c>exp</c> and <c>nbf</c>.</summary>
    public required TimeSpan JwtClockSkew { get; init; }

    /// <summary>Whether a quiet process gives the memory of its last burst back (see <c>memory.trim</c>).</summary>
    public required bool MemoryTrim { get; init; }

    /// <summary>How long allocations must stay below <see cref="MemoryTrimQuietRate"/> before a trim.</summary>
    public required TimeSpan MemoryTrimQuietPeriod { get; init; }

    /// <summary>Bytes allocated per second below which the process counts as quiet.</summary>
    public required long MemoryTrimQuietRate { get; init; }

    /// <summary>Bytes the process must have allocated since the last trim before it trims again.</summary>
    public required long MemoryTrimAfterAllocated { get; init; }

    public static ActorPushSettings Create(Config root)
    {
        if (!root.HasPath("actorpush"))
            throw new ActorPushConfigException("actorpush", "is missing (is actorpush.conf next to the binaries?)");
        var config = root.GetConfig("actorpush");
        foreach (var key in LeafKeys(config.Root, prefix: ""))
        {
            if (!KnownKeys.Contains(key))
                throw new ActorPushConfigException("actorpush." + key, "is not a known setting");
        }

        return new ActorPushSettings
        {
            MaxMessageSize = (int)Size(config, "max-message-size", min: 1, max: 64L * 1024 * 1024),
            ShutdownTimeout = Duration(config, "shutdown-timeout", min: TimeSpan.FromMilliseconds(100)),
            SendQueueLimit = Size(config, "client.send-queue-limit", min: 1, max: long.MaxValue),
            Publish = Mode(config, "client.publish"),
            KeepAliveInterval = Duration(config, "client.keepalive-interval", min: TimeSpan.Zero),
            KeepAliveTimeout = Duration(config, "client.keepalive-timeout", min: TimeSpan.FromMilliseconds(100)),
            CloseTimeout = Duration(config, "client.close-timeout", min: TimeSpan.FromMilliseconds(10)),
            BroadcastMailboxCapacity = (int)Number(config, "broadcast.mailbox.mailbox-capacity", min: 1, max: int.MaxValue),
            BroadcastPushTimeout = Duration(config, "broadcast.mailbox.mailbox-push-timeout-time", min: TimeSpan.Zero),
            MaxTopicsPerConnection = (int)Number(config, "client.max-topics", min: 1, max: 65_536),
            RateLimit = Rate(config, "client.rate-limit"),
            RateLimitBurst = (int)Number(config, "client.rate-limit-burst", min: 1, max: int.MaxValue),
            MaxConnections = (int)Number(config, "limits.max-connections", min: 0, max: int.MaxValue),
            MaxConnectionsPerUser = (int)Number(config, "limits.max-connections-per-user", min: 0, max: int.MaxValue),
            AllowedOrigins = Origins(config, "allowed-origins"),
            ApiKey = Secret(config, "api.key", minBytes: 16),
            ApiAskTimeout = Duration(config, "api.ask-timeout", min: TimeSpan.FromMilliseconds(10)),
            JwtSecret = Secret(config, "auth.jwt-secret", minBytes: MinJwtSecretBytes),
            JwtClockSkew = Duration(config, "auth.clock-skew", min: TimeSpan.Zero),
            MemoryTrim = Flag(config, "memory.trim"),
            MemoryTrimQuietPeriod = Duration(config, "memory.trim-quiet-period", min: TimeSpan.FromMilliseconds(100)),
            MemoryTrimQuietRate = Size(config, "memory.trim-quiet-rate", min: 0, max: long.MaxValue),
            MemoryTrimAfterAllocated = Size(config, "memory.trim-after-allocated", min: 1, max: long.MaxValue),
        };
    }

    private static IEnumerable<string> LeafKeys(HoconValue value, string prefix)
    {
        if (!value.IsObject())
        {
            yield return prefix;
            yield break;
        }

        foreach (var (name, child) in value.GetObject().Items)
        {
            foreach (var key in LeafKeys(child, prefix.Length == 0 ? name : prefix + "." + name))
                yield return key;
        }
    }

    private static T Read<T>(Config config, string key, Func<string, T> read)
    {
        if (!config.HasPath(key))
            throw new ActorPushConfigException("actorpush." + key, "is missing");
        try
        {
            return read(key);
        }
        catch (Exception e) when (e is not ActorPushConfigException)
        {
            throw new ActorPushConfigException("actorpush." + key, $"has an invalid value '{config.GetString(key)}' ({e.Message})");
        }
    }

    private static long Size(Config config, string key, long min, long max)
    {
        var value = Read(config, key, k => config.GetByteSize(k) ?? throw new FormatException("not a size"));
        if (value < min || value > max)
            throw new ActorPushConfigException("actorpush." + key, $"must be between {min} and {max} bytes, was {value}");
        return value;
    }

    private static long Number(Config config, string key, long min, long max)
    {
        var value = Read(config, key, k => long.Parse(config.GetString(k), System.Globalization.CultureInfo.InvariantCulture));
        if (value < min || value > max)
            throw new ActorPushConfigException("actorpush." + key, $"must be between {min} and {max}, was {value}");
        return value;
    }

    private static TimeSpan Duration(Config config, string key, TimeSpan min)
    {
        var value = Read(config, key, k => config.GetTimeSpan(k, allowInfinite: false));
        if (value < min)
            throw new ActorPushConfigException("actorpush." + key, $"must be at least {min}, was {value}");
        return value;
    }

    // HOCON's own booleans: on/off, true/false, yes/no; anything else throws, and Read names the key.
    private static bool Flag(Config config, string key) => Read(config, key, k => config.GetBoolean(k));

    private static double Rate(Config config, string key)
    {
        var value = Read(config, key, k => double.Parse(config.GetString(k), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture));
        if (!double.IsFinite(value) || value < 0 || value > 1_000_000)
            throw new ActorPushConfigException("actorpush." + key, $"must be between 0 (off) and 1000000 messages per second, was {value}");
        return value;
    }

    /// <summary>An optional secret: empty means not set; when set it must be at least <paramref name="minBytes"/> bytes.</summary>
    private static string? Secret(Config config, string key, int minBytes)
    {
        var value = Read(config, key, k => config.GetString(k) ?? "");
        if (value.Length == 0)
            return null;
        if (System.Text.Encoding.UTF8.GetByteCount(value) < minBytes)
            throw new ActorPushConfigException("actorpush." + key, $"must be at least {minBytes} bytes long (or empty to turn it off)");
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
                throw new ActorPushConfigException("actorpush." + key, $"must list origins like \"https://app.example.com\" (scheme, host, optional port), got '{value}'");
            origins.Add(value);
        }

        return origins;
    }

    private static PublishMode Mode(Config config, string key) =>
        Read(config, key, k => config.GetString(k)) switch
        {
            "broadcast" => PublishMode.Broadcast,
            "off" => PublishMode.Off,
            var other => throw new ActorPushConfigException("actorpush." + key, $"must be 'broadcast' or 'off', was '{other}'"),
        };
}
