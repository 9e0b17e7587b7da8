using ActorPush.Actors.Settings;
using ActorPush.Host;
using ActorPush.Host.Configuration;
using ActorPush.Host.Transport;

try
{
    var app = ActorPushServer.Build(args);
    InlineIo.ApplyToProcess(app.Services.GetRequiredService<ActorPushSettings>().InlineIo); // before the first socket
    await app.RunAsync();
    return 0;
}
catch (ActorPushConfigException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}
