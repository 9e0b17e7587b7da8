using Akka.Actor;
using Akka.Hosting;
using ActorPush.Actors;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Sessions;

/// <summary>What every session needs from the host, resolved once (after the actor system started) and shared.</summary>
internal sealed record ClientSessionContext(ActorSystem System, IActorRef Registry, IActorRef Broadcast, ActorPushSettings Settings)
{
    /// <summary>The TopicsActor: connections subscribe to their handshake's topics here.</summary>
    public IActorRef Topics { get; init; } = ActorRefs.Nobody;

    public static async Task<ClientSessionContext> ResolveAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var registry = await services.GetRequiredService<IRequiredActor<RegistryActor>>().GetAsync(cancellationToken);
        var broadcast = await services.GetRequiredService<IRequiredActor<BroadcastActor>>().GetAsync(cancellationToken);
        var topics = await services.GetRequiredService<IRequiredActor<TopicsActor>>().GetAsync(cancellationToken);
        return new ClientSessionContext(
            services.GetRequiredService<ActorSystem>(), registry, broadcast, services.GetRequiredService<ActorPushSettings>())
        {
            Topics = topics,
        };
    }
}
