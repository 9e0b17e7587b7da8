using ActorPush.Actors.Settings;
using ActorPush.Host;

try
{
    await ActorPushServer.Build(args).RunAsync();
    return 0;
}
catch (ActorPushConfigException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}
