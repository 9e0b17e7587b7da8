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
        "broadcast.mailbox.mailbox-type",
        "broadcast.mailbox.mailbox-capacity",
        "broadcast.mailbox.mailbox-push-timeout-time",
    ];

    public required int MaxMessageSize { get; init; }
    public required TimeSpan ShutdownTimeout { get; init; }
    public required long SendQueueLimit { get; init; }
    public required PublishMode Publish { get; init; }
    public required TimeSpan KeepAliveInterval { get; init; }
    public required TimeSpan KeepAliveTimeout { get; init; }
    public required TimeSpan CloseTimeout { get; init; }
    public required int BroadcastMailboxCapacity { get; init; }
    public required TimeSpan BroadcastPushTimeout { get; init; }

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

    private static PublishMode Mode(Config config, string key) =>
        Read(config, key, k => config.GetString(k)) switch
        {
            "broadcast" => PublishMode.Broadcast,
            "off" => PublishMode.Off,
            var other => throw new ActorPushConfigException("actorpush." + key, $"must be 'broadcast' or 'off', was '{other}'"),
        };
}
