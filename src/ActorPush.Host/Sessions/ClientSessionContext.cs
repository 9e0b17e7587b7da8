using Akka.Actor;
using ActorPush.Actors.Push;
using ActorPush.Host.Configuration;

namespace ActorPush.Host.Sessions;

/// <summary>What every session needs from the host, resolved once (after the actor system started) and shared.</summary>
internal sealed record ClientSessionContext(IPushBroker Push, ActorSystem System, ActorPushSettings Settings)
{
    public static Task<ClientSessionContext> ResolveAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        Task.FromResult(new ClientSessionContext(
            services.GetRequiredService<IPushBroker>(),
            services.GetRequiredService<ActorSystem>(),
            services.GetRequiredService<ActorPushSettings>()));
}
