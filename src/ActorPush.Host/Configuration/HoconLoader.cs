using Akka.Configuration;
using ActorPush.Actors.Settings;

namespace ActorPush.Host.Configuration;

/// <summary>
/// Loads the HOCON the server runs on: the shipped <c>actorpush.conf</c> next to the binaries, with an
/// operator's override file (<c>--config</c> or <c>ACTORPUSH_CONFIG</c>) on top.
/// </summary>
public static class HoconLoader
{
    public const string ShippedFileName = "actorpush.conf";
    public const string OverrideVariable = "ACTORPUSH_CONFIG";

    /// <param name="overridePath">An operator's HOCON file whose keys win over the shipped ones; null for none.</param>
    /// <param name="overrideHocon">HOCON text that wins over both (used by tests and embedders); null for none.</param>
    public static Config Load(string? overridePath, string? overrideHocon = null)
    {
        var shippedPath = Path.Combine(AppContext.BaseDirectory, ShippedFileName);
        var config = Parse(shippedPath);
        if (!string.IsNullOrWhiteSpace(overridePath))
            config = Parse(overridePath).WithFallback(config);
        if (!string.IsNullOrWhiteSpace(overrideHocon))
            config = ConfigurationFactory.ParseString(overrideHocon).WithFallback(config);
        return config;
    }

    private static Config Parse(string path)
    {
        if (!File.Exists(path))
            throw new ActorPushConfigException(path, "does not exist");
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is not ActorPushConfigException)
        {
            throw new ActorPushConfigException(path, $"is not valid HOCON: {e.Message}");
        }
    }
}
