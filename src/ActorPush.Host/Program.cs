using ActorPush.Actors.Settings;
using ActorPush.Host;
using ActorPush.Host.Configuration;
using ActorPush.Host.Transport;

try
{
    await using var app = ActorPushServer.Build(args);
    var settings = app.Services.GetRequiredService<ActorPushSettings>();
    InlineIo.ApplyToProcess(settings.InlineIo); // before the first socket
    await app.StartAsync();
    var logs = app.Services.GetRequiredService<ILoggerFactory>();
    IoThreadPriority.Apply(settings.IoThreadNice, logs.CreateLogger(typeof(IoThreadPriority))); // once Kestrel accepts
    await app.WaitForShutdownAsync();
    return 0;
}
catch (ActorPushConfigException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}
