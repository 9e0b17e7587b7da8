using Akka.Configuration;
using ActorPush.Actors.Settings;

namespace ActorPush.Actors.Tests;

/// <summary>The settings the actors read, and the key check every setting goes through.</summary>
public sealed class ActorSettingsSpecs
{
    [Fact]
    public void Shipped_config_parses_to_the_documented_defaults()
    {
        var settings = ActorSettings.Create(ShippedConfig.Load());

        Assert.Equal(128, settings.MaxTopicsPerConnection);
        Assert.Equal(10_000, settings.BroadcastMailboxCapacity);
        Assert.Equal(64L * 1024 * 1024, settings.BroadcastMailboxCapacityBytes);
    }

    [Fact]
    public void Override_wins_over_the_shipped_defaults_key_by_key()
    {
        var settings = ActorSettings.Create(ShippedConfig.With(
            """
            actorpush.client.max-topics = 4
            actorpush.broadcast.mailbox.mailbox-capacity-bytes = 1 MiB
            """));

        Assert.Equal(4, settings.MaxTopicsPerConnection);
        Assert.Equal(1_048_576, settings.BroadcastMailboxCapacityBytes);
        Assert.Equal(10_000, settings.BroadcastMailboxCapacity);
    }

    [Theory]
    [InlineData("actorpush.client.sendqueue-limit = 5", "actorpush.client.sendqueue-limit")]
    [InlineData("actorpush.max-message-sise = 1 KiB", "actorpush.max-message-sise")]
    [InlineData("actorpush.broadcast.mailbox.capacity = 5", "actorpush.broadcast.mailbox.capacity")]
    [InlineData("actorpush.client.max-topics.x = 5", "actorpush.client.max-topics.x")]
    public void Key_missing_from_the_shipped_conf_is_refused_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ActorPushConfigException>(() => ActorSettings.Create(ShippedConfig.With(hocon)));

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message);
    }

    [Theory]
    [InlineData("actorpush.client.max-topics = 0", "actorpush.client.max-topics")]
    [InlineData("actorpush.client.max-topics = all", "actorpush.client.max-topics")]
    [InlineData("actorpush.broadcast.mailbox.mailbox-capacity = 0", "actorpush.broadcast.mailbox.mailbox-capacity")]
    [InlineData("actorpush.broadcast.mailbox.mailbox-capacity = many", "actorpush.broadcast.mailbox.mailbox-capacity")]
    [InlineData("actorpush.broadcast.mailbox.mailbox-capacity-bytes = lots", "actorpush.broadcast.mailbox.mailbox-capacity-bytes")]
    public void Bad_value_is_refused_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ActorPushConfigException>(() => ActorSettings.Create(ShippedConfig.With(hocon)));

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message);
    }

    [Fact]
    public void Config_without_an_actorpush_section_is_refused()
    {
        var error = Assert.Throws<ActorPushConfigException>(
            () => ActorSettings.Create(ConfigurationFactory.ParseString("akka.loglevel = INFO")));

        Assert.Equal("actorpush", error.Key);
    }
}
