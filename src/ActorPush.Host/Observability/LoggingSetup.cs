using ActorPush.Host.Configuration;

namespace ActorPush.Host.Observability;

/// <summary>
/// Console logging as <c>actorpush.log.format</c> says: ASP.NET Core's simple text lines (the default) or its JSON
/// formatter, one object per line with every message-template field (ConnectionId, UserId, RemoteAddress, ...) as
/// its own property. Scopes are not captured at all (see ActorPushServer): fields go in the message templates.
/// </summary>
internal static class LoggingSetup
{
    public static void AddPushLogging(this WebApplicationBuilder builder, ActorPushSettings settings)
    {
        // No log scopes: Kestrel opens one per connection when scopes are captured, and an open connection
        // would hold it (about 200 bytes each) although the shipped log formats never print scopes.
        builder.Services.Configure<LoggerFilterOptions>(options => options.CaptureScopes = false);
        if (settings.LogFormat == "json")
        {
            builder.Logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = false;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
    }
}
