using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorPush.Actors.Settings;

/// <summary>
/// Reads typed values out of the <c>actorpush</c> HOCON section, each naming its key when it is missing or bad.
/// The keys ActorPush knows are the leaf keys of the shipped <c>hocon/actorpush.conf</c> (built into this
/// assembly), so a new setting is written twice: its commented default in the conf and the line that reads it.
/// </summary>
public static class SettingsReader
{
    private const string Section = "actorpush";
    private const string ShippedResource = "ActorPush.actorpush.conf";

    private static readonly Lazy<HashSet<string>> KnownKeys = new(LoadKnownKeys);

    /// <summary>
    /// The <c>actorpush</c> section of <paramref name="root"/>, after checking that every key in it is one the
    /// shipped configuration has.
    /// </summary>
    /// <exception cref="ActorPushConfigException">The section is missing or holds a key the shipped file does not.</exception>
    public static Config ActorPushSection(Config root)
    {
        if (!root.HasPath(Section))
            throw new ActorPushConfigException(Section, "is missing (is actorpush.conf next to the binaries?)");
        var config = root.GetConfig(Section);
        foreach (var key in LeafKeys(config.Root, prefix: ""))
        {
            if (!KnownKeys.Value.Contains(key))
                throw new ActorPushConfigException(Name(key), "is not a known setting");
        }

        return config;
    }

    /// <summary>The full name of a key of the section, as messages and operators spell it.</summary>
    public static string Name(string key) => Section + "." + key;

    public static T Read<T>(Config config, string key, Func<string, T> read)
    {
        if (!config.HasPath(key))
            throw new ActorPushConfigException(Name(key), "is missing");
        try
        {
            return read(key);
        }
        catch (Exception e) when (e is not ActorPushConfigException)
        {
            throw new ActorPushConfigException(Name(key), $"has an invalid value '{config.GetString(key)}' ({e.Message})");
        }
    }

    public static long Size(Config config, string key, long min, long max)
    {
        var value = Read(config, key, k => config.GetByteSize(k) ?? throw new FormatException("not a size"));
        if (value < min || value > max)
            throw new ActorPushConfigException(Name(key), $"must be between {min} and {max} bytes, was {value}");
        return value;
    }

    public static long Number(Config config, string key, long min, long max)
    {
        var value = Read(config, key, k => long.Parse(config.GetString(k), CultureInfo.InvariantCulture));
        if (value < min || value > max)
            throw new ActorPushConfigException(Name(key), $"must be between {min} and {max}, was {value}");
        return value;
    }

    public static TimeSpan Duration(Config config, string key, TimeSpan min)
    {
        var value = Read(config, key, k => config.GetTimeSpan(k, allowInfinite: false));
        if (value < min)
            throw new ActorPushConfigException(Name(key), $"must be at least {min}, was {value}");
        return value;
    }

    /// <summary>HOCON's own booleans: on/off, true/false, yes/no; anything else stops the start naming the key.</summary>
    public static bool Flag(Config config, string key) => Read(config, key, k => config.GetBoolean(k));

    private static HashSet<string> LoadKnownKeys()
    {
        using var stream = typeof(SettingsReader).Assembly.GetManifestResourceStream(ShippedResource)
                           ?? throw new InvalidOperationException($"{ShippedResource} is not built into {typeof(SettingsReader).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var shipped = ConfigurationFactory.ParseString(reader.ReadToEnd()).GetConfig(Section);
        return [.. LeafKeys(shipped.Root, prefix: "")];
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
}
