using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors.Cluster;
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
    /// Starts the BroadcastActor ("broadcast"), the TopicsActor ("topics"), the RegistryActor ("registry") and the
    /// parent of every connection's ClientActor, the ClientsActor ("clients"), and registers them in the <see cref="ActorRegistry"/>.
    /// </summary>
    /// In cluster mode also the node's <see cref="PushRouterActor"/> (<c>"push-router"</c>).
    /// <param name="settings">The actors' settings; null reads them from the actor system's configuration.</param>
    /// <param name="clustered">Whether this node is part of a cluster (<see cref="PushCluster.AddPushCluster"/>).</param>
    public static AkkaConfigurationBuilder AddPushActors(this AkkaConfigurationBuilder builder, ActorSettings? settings = null, bool clustered = false) =>
        builder.WithActors((system, registry) =>
        {
            var actorSettings = settings ?? ActorSettings.Create(system.Settings.Config);
            var broadcast = system.ActorOf(BroadcastActor.Props(), "broadcast");
            registry.Register<BroadcastActor>(broadcast);
            TopicAdmission.Get(system).Configure(actorSettings.MaxTopics, actorSettings.TopicMailboxCapacity, actorSettings.TopicMailboxCapacityBytes);
            var topics = system.ActorOf(TopicsActor.Props(actorSettings.MaxTopicsPerConnection), "topics");
            registry.Register<TopicsActor>(topics);
            var users = system.ActorOf(RegistryActor.Props(broadcast, topics), "registry");
            registry.Register<RegistryActor>(users);
            var clients = ClientsActor.Start(system);
            registry.Register<ClientsActor>(clients);
            if (!clustered)
                return;
            // The asking node's deadline decides; this one only bounds how long an unanswered local ask is kept.
            var node = new LocalFanOut(system, broadcast, users, topics, clients, TimeSpan.FromSeconds(30));
            registry.Register<PushRouterActor>(system.ActorOf(
                PushRouterActor.Props(node, actorSettings.ClusterOutboxLimit, actorSettings.ClusterBatchBytes, actorSettings.ClusterBatchesInFlight), PushRouterActor.Name));
        });

    /// <summary>
    /// Registers this node's fan-out entry (<see cref="LocalFanOut"/>) and the push seam the Host calls for everything
    /// (<see cref="IPushBroker"/>). Both are made on first use, which comes after the actor system has started and
    /// <see cref="AddPushActors"/> has registered the actors (the web server starts after the hosted services).
    /// </summary>
    /// <param name="askTimeout">How long presence, topic info and stats wait for a node's actors (<c>actorpush.api.ask-timeout</c>).</param>
    /// <param name="clustered">Whether this node is part of a cluster: then the broker reaches every node.</param>
    public static IServiceCollection AddPushBroker(this IServiceCollection services, TimeSpan askTimeout, bool clustered = false)
    {
        services.AddSingleton(provider =>
        {
            var registry = provider.GetRequiredService<ActorRegistry>();
            return new LocalFanOut(
                provider.GetRequiredService<ActorSystem>(),
                registry.Get<BroadcastActor>(),
                registry.Get<RegistryActor>(),
                registry.Get<TopicsActor>(),
                registry.Get<ClientsActor>(),
                askTimeout);
        });
        services.AddSingleton<IPushBroker>(provider => clustered
            ? new ClusterPushBroker(
                provider.GetRequiredService<LocalFanOut>(), provider.GetRequiredService<ActorRegistry>().Get<PushRouterActor>(), askTimeout)
            : new LocalPushBroker(provider.GetRequiredService<LocalFanOut>()));
        return services;
    }
}
