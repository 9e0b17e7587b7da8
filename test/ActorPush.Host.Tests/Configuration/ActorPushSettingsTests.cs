using Akka.Configuration;
using ActorPush.Actors.Settings;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Tests.Configuration;

public sealed class ActorPushSettingsTests
{
    [Fact]
    public void Shipped_config_parses_to_the_documented_defaults()
    {
        var settings = ActorPushSettings.Create(HoconLoader.Load(null));

        Assert.Equal(65_536, settings.MaxMessageSize);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ShutdownTimeout);
        Assert.Equal(1_048_576, settings.SendQueueLimit);
        Assert.Equal(PublishMode.Broadcast, settings.Publish);
        Assert.Equal(TimeSpan.FromSeconds(25), settings.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.CloseTimeout);
        Assert.Equal(10_000, settings.Actors.BroadcastMailboxCapacity);
        Assert.Equal(64L * 1024 * 1024, settings.Actors.BroadcastMailboxCapacityBytes);
        Assert.True(settings.MemoryTrim);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.MemoryTrimQuietPeriod);
        Assert.Equal(262_144, settings.MemoryTrimQuietRate);
        Assert.Equal(67_108_864, settings.MemoryTrimAfterAllocated);
    }

    [Theory]
    [InlineData("off", false)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    public void Memory_trim_is_a_switch(string value, bool expected)
    {
        Assert.Equal(expected, ActorPushSettings.Create(HoconLoader.Load(null, $"actorpush.memory.trim = {value}")).MemoryTrim);
    }

    [Fact]
    public void Override_file_wins_over_the_shipped_defaults_key_by_key()
    {
        var settings = ActorPushSettings.Create(HoconLoader.Load(null, 
            """
            actorpush.max-message-size = 1 KiB
            actorpush.client.publish = off
            actorpush.broadcast.mailbox.mailbox-capacity-bytes = 1 MiB
            """));

        Assert.Equal(1024, settings.MaxMessageSize);
        Assert.Equal(PublishMode.Off, settings.Publish);
        Assert.Equal(1_048_576, settings.Actors.BroadcastMailboxCapacityBytes);
        Assert.Equal(1_048_576, settings.SendQueueLimit); // untouched keys keep their defaults
        Assert.Equal(TimeSpan.FromSeconds(25), settings.KeepAliveInterval);
    }

    [Theory]
    [InlineData("actorpush.client.send-queue-limit = 256 KiB", 262_144)]
    [InlineData("actorpush.client.send-queue-limit = 2 MiB", 2_097_152)]
    [InlineData("actorpush.client.send-queue-limit = 4096", 4096)]
    public void Sizes_accept_hocon_units(string hocon, long expected)
    {
        Assert.Equal(expected, ActorPushSettings.Create(HoconLoader.Load(null, hocon)).SendQueueLimit);
    }

    [Fact]
    public void Keepalive_interval_of_zero_turns_keepalive_off_and_is_accepted()
    {
        var settings = ActorPushSettings.Create(HoconLoader.Load(null, "actorpush.client.keepalive-interval = 0s"));

        Assert.Equal(TimeSpan.Zero, settings.KeepAliveInterval);
    }

    [Theory]
    [InlineData("actorpush.client.sendqueue-limit = 5", "actorpush.client.sendqueue-limit")]
    [InlineData("actorpush.max-message-sise = 1 KiB", "actorpush.max-message-sise")]
    [InlineData("actorpush.broadcast.mailbox.capacity = 5", "actorpush.broadcast.mailbox.capacity")]
    public void Unknown_key_is_refused_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ActorPushConfigException>(() => ActorPushSettings.Create(HoconLoader.Load(null, hocon)));

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message);
    }

    [Theory]
    [InlineData("actorpush.shutdown-timeout = banana", "actorpush.shutdown-timeout")]
    [InlineData("actorpush.client.publish = everyone", "actorpush.client.publish")]
    [InlineData("actorpush.max-message-size = -1", "actorpush.max-message-size")]
    [InlineData("actorpush.max-message-size = lots", "actorpush.max-message-size")]
    [InlineData("actorpush.max-message-size = 1 GiB", "actorpush.max-message-size")]
    [InlineData("actorpush.client.send-queue-limit = 0", "actorpush.client.send-queue-limit")]
    [InlineData("actorpush.client.keepalive-timeout = 0s", "actorpush.client.keepalive-timeout")]
    [InlineData("actorpush.client.close-timeout = forever", "actorpush.client.close-timeout")]
    [InlineData("actorpush.broadcast.mailbox.mailbox-capacity = 0", "actorpush.broadcast.mailbox.mailbox-capacity")]
    [InlineData("actorpush.broadcast.mailbox.mailbox-capacity = many", "actorpush.broadcast.mailbox.mailbox-capacity")]
    [InlineData("actorpush.memory.trim = sometimes", "actorpush.memory.trim")]
    [InlineData("actorpush.memory.trim-quiet-period = 0s", "actorpush.memory.trim-quiet-period")]
    [InlineData("actorpush.memory.trim-after-allocated = 0", "actorpush.memory.trim-after-allocated")]
    public void Bad_value_is_refused_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ActorPushConfigException>(() => ActorPushSettings.Create(HoconLoader.Load(null, hocon)));

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message);
    }

    [Fact]
    public void Config_without_an_actorpush_section_is_refused()
    {
        var error = Assert.Throws<ActorPushConfigException>(
            () => ActorPushSettings.Create(ConfigurationFactory.ParseString("akka.loglevel = INFO")));

        Assert.Equal("actorpush", error.Key);
    }
}
