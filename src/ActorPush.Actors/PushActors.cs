using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors.Push;
using ActorPush.Actors.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPush.Actors;

/// <summary>
/// Wires the push actors into an actor system, and the push seam (<see cref="IPushBroker"/>) into the services.
/// Production (the Host) and the tests call these extensions, so both run the same actors the same way.
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

    /// <summary>
    /// Registers this node's fan-out entry (<see cref="LocalFanOut"/>) and the push seam the Host calls for everything
    /// (<see cref="IPushBroker"/>). Both are made on first use, which comes after the actor system has started and
    /// <see cref="AddPushActors"/> has registered the actors (the web server starts after the hosted services).
    /// </summary>
    /// <param name="askTimeout">How long presence, topic info and stats wait for a node's actors (<c>actorpush.api.ask-timeout</c>).</param>
    public static IServiceCollection AddPushBroker(this IServiceCollection services, TimeSpan askTimeout)
    {
        services.AddSingleton(provider =>
        {
            var registry = provider.GetRequiredService<ActorRegistry>();
            return new LocalFanOut(
                provider.GetRequiredService<ActorSystem>(),
                registry.Get<BroadcastActor>(),
                registry.Get<RegistryActor>(),
                registry.Get<TopicsActor>(),
                askTimeout);
        });
        services.AddSingleton<IPushBroker>(provider => new LocalPushBroker(provider.GetRequiredService<LocalFanOut>()));
        return services;
    }
}
