using Akka.Hosting;

namespace ActorPush.Actors;

/// <summary>
/// Wires the push actors into an actor system. Production (the Host) and the tests call this one
/// extension, so both run the same actors the same way.
/// </summary>
public static class PushActors
{
    /// <summary>Starts the BroadcastActor ("broadcast") and RegistryActor ("registry") and registers both in the <see cref="ActorRegistry"/>.</summary>
    public static AkkaConfigurationBuilder AddPushActors(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
        {
            var broadcast = system.ActorOf(BroadcastActor.Props(), "broadcast");
            registry.Register<BroadcastActor>(broadcast);
            registry.Register<RegistryActor>(system.ActorOf(RegistryActor.Props(broadcast), "registry"));
        });
}
