using Akka.Configuration;
using static ActorPush.Actors.Settings.SettingsReader;

namespace ActorPush.Actors.Settings;

/// <summary>
/// The settings the actors themselves read, out of the <c>actorpush</c> HOCON section. The Host's settings
/// (transport, API, auth, limits) live in the Host next to the code that reads them.
/// </summary>
public sealed record ActorSettings
{
    /// <summary>HOCON path of the BroadcastActor's mailbox block (used with <c>Props.WithMailbox</c>).</summary>
    public const string BroadcastMailboxPath = "actorpush.broadcast.mailbox";

    /// <summary>HOCON path of the ClientActors' mailbox block.</summary>
    public const string ClientMailboxPath = "actorpush.client.mailbox";

    /// <summary>Topics one connection may be subscribed to (at connect and through the API).</summary>
    public required int MaxTopicsPerConnection { get; init; }

    /// <summary>Publishes the BroadcastActor's mailbox holds before it drops (read by <see cref="PublishMailbox"/>).</summary>
    public required int BroadcastMailboxCapacity { get; init; }

    /// <summary>How long a publisher may wait for room in a full BroadcastActor mailbox.</summary>
    public required TimeSpan BroadcastPushTimeout { get; init; }

    /// <exception cref="ActorPushConfigException">A key is unknown, missing or has a bad value.</exception>
    public static ActorSettings Create(Config root)
    {
        var config = ActorPushSection(root);
        return new ActorSettings
        {
            MaxTopicsPerConnection = (int)Number(config, "client.max-topics", min: 1, max: 65_536),
            BroadcastMailboxCapacity = (int)Number(config, "broadcast.mailbox.mailbox-capacity", min: 1, max: int.MaxValue),
            BroadcastPushTimeout = Duration(config, "broadcast.mailbox.mailbox-push-timeout-time", min: TimeSpan.Zero),
        };
    }
}
