using ActorPush.Actors.Settings;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Tests.Configuration;

/// <summary>The settings added for the push API, topics, auth and limits: defaults and validation naming the key.</summary>
public sealed class ActorPushSettingsPushApiTests
{
    [Fact]
    public void Shipped_defaults_keep_auth_off_limits_off_and_topics_at_128()
    {
        var settings = ActorPushSettings.Create(HoconLoader.Load(null));

        Assert.Equal(128, settings.Actors.MaxTopicsPerConnection);
        Assert.Equal(0, settings.RateLimit);
        Assert.Equal(20, settings.RateLimitBurst);
        Assert.Equal(0, settings.MaxConnections);
        Assert.Equal(0, settings.MaxConnectionsPerUser);
        Assert.Empty(settings.AllowedOrigins);
        Assert.Null(settings.ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ApiAskTimeout);
        Assert.Null(settings.JwtSecret);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.JwtClockSkew);
    }

    [Fact]
    public void Every_new_key_can_be_set()
    {
        var settings = ActorPushSettings.Create(HoconLoader.Load(null, 
            """
            actorpush.client.max-topics = 4
            actorpush.client.rate-limit = 2.5
            actorpush.client.rate-limit-burst = 7
            actorpush.limits.max-connections = 10000
            actorpush.limits.max-connections-per-user = 5
            actorpush.allowed-origins = ["https://app.example.com", "http://localhost:3000"]
            actorpush.api.key = "0123456789abcdef"
            actorpush.api.ask-timeout = 2s
            actorpush.auth.jwt-secret = "0123456789abcdef0123456789abcdef"
            actorpush.auth.clock-skew = 0s
            """));

        Assert.Equal(4, settings.Actors.MaxTopicsPerConnection);
        Assert.Equal(2.5, settings.RateLimit);
        Assert.Equal(7, settings.RateLimitBurst);
        Assert.Equal(10_000, settings.MaxConnections);
        Assert.Equal(5, settings.MaxConnectionsPerUser);
        Assert.Equal(["https://app.example.com", "http://localhost:3000"], settings.AllowedOrigins);
        Assert.Equal("0123456789abcdef", settings.ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.ApiAskTimeout);
        Assert.Equal("0123456789abcdef0123456789abcdef", settings.JwtSecret);
        Assert.Equal(TimeSpan.Zero, settings.JwtClockSkew);
    }

    [Theory]
    [InlineData("actorpush.client.max-topics = 0", "actorpush.client.max-topics")]
    [InlineData("actorpush.client.rate-limit = -1", "actorpush.client.rate-limit")]
    [InlineData("actorpush.client.rate-limit = fast", "actorpush.client.rate-limit")]
    [InlineData("actorpush.client.rate-limit-burst = 0", "actorpush.client.rate-limit-burst")]
    [InlineData("actorpush.limits.max-connections = -5", "actorpush.limits.max-connections")]
    [InlineData("actorpush.limits.max-connections-per-user = lots", "actorpush.limits.max-connections-per-user")]
    [InlineData("actorpush.allowed-origins = [\"app.example.com\"]", "actorpush.allowed-origins")]
    [InlineData("actorpush.allowed-origins = [\"https://app.example.com/\"]", "actorpush.allowed-origins")]
    [InlineData("actorpush.allowed-origins = [\"https://app.example.com/path\"]", "actorpush.allowed-origins")]
    [InlineData("actorpush.api.key = \"short\"", "actorpush.api.key")]
    [InlineData("actorpush.api.ask-timeout = 0s", "actorpush.api.ask-timeout")]
    [InlineData("actorpush.auth.jwt-secret = \"too-short-for-hs256\"", "actorpush.auth.jwt-secret")]
    [InlineData("actorpush.auth.clock-skew = soon", "actorpush.auth.clock-skew")]
    [InlineData("actorpush.auth.jwt = \"x\"", "actorpush.auth.jwt")]
    [InlineData("actorpush.limits.max-conections = 5", "actorpush.limits.max-conections")]
    public void Bad_or_unknown_values_stop_the_start_naming_the_key(string hocon, string key)
    {
        var error = Assert.Throws<ActorPushConfigException>(() => ActorPushSettings.Create(HoconLoader.Load(null, hocon)));

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message);
    }
}
