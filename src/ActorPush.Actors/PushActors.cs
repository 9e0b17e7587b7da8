using Akka.Hosting;
using ActorPush.Actors.Settings;

namespace ActorPush.Actors;

/// <summary>
/// Wires the push actors into an actor system. Production (the Host) and the tests call this one
/// extension, so both run the same actors the same way.
/// </summary>
public static class PushActors
{
    /// <summary>
    /// Starts the BroadcastActor ("broadcast"), the TopicsActor ("topics") and the RegistryActor ("registry")
    /// and registers them in the <see cref="ActorRegistry"/>.
    /// </summary>
    /// <param name="settings">The actors' settings; null reads them from the actor system's configuration.</param>
    public static AkkaConfigurationBuilder AddPushActors(this AkkaConfigurationBuilder builder, ActorSettings? settings = null) =>
        builder.WithActors((system, registry) =>
        {
            var maxTopics = (settings ?? ActorSettings.Create(system.Settings.Config)).MaxTopicsPerConnection;
            var broadcast = system.ActorOf(BroadcastActor.Props(), "broadcast");
            registry.Register<BroadcastActor>(broadcast);
            var topics = system.ActorOf(TopicsActor.Props(maxTopics), "topics");
            registry.Register<TopicsActor>(topics);
            registry.Register<RegistryActor>(system.ActorOf(RegistryActor.Props(broadcast, topics), "registry"));
        });
}
