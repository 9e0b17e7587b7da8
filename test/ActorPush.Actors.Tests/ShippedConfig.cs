using Akka.Configuration;

namespace ActorPush.Actors.Tests;

/// <summary>
/// The HOCON the server ships (<c>hocon/actorpush.conf</c>), read from the repository so the specs run
/// the actors on the same configuration as production (the BroadcastActor's mailbox path resolves).
/// </summary>
internal static class ShippedConfig
{
    private const string SolutionFile = "ActorPush.sln";

    private static readonly Lazy<string> Text = new(() => File.ReadAllText(ConfPath));

    /// <summary>Full path of <c>hocon/actorpush.conf</c> in this checkout.</summary>
    public static string ConfPath => Path.Combine(RepoRoot(), "hocon", "actorpush.conf");

    /// <summary>The shipped configuration, parsed fresh (callers may combine it freely).</summary>
    public static Config Load() => ConfigurationFactory.ParseString(Text.Value);

    /// <summary><paramref name="hocon"/> on top of the shipped configuration, as an operator's override file would be.</summary>
    public static Config With(string hocon) => ConfigurationFactory.ParseString(hocon).WithFallback(Load());

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No {SolutionFile} above {AppContext.BaseDirectory}: cannot find hocon/actorpush.conf");
    }
}
