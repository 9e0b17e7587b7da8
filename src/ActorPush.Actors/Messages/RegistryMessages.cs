using Akka.Actor;
using Akka.Event;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Messages;

/// <summary>A ClientActor announces itself: from now on it receives broadcasts and pushes for <paramref name="UserId"/>.</summary>
public sealed record Register(string UserId, IActorRef Client) : INoSerializationVerificationNeeded;

/// <summary>Death-watch notice the RegistryActor asks for with <c>WatchWith</c>.</summary>
public sealed record ClientTerminated(string UserId, IActorRef Client) : INoSerializationVerificationNeeded, IDeadLetterSuppression;

/// <summary>Ask the RegistryActor how many connections and users it tracks.</summary>
public sealed class GetRegistryStats : INoSerializationVerificationNeeded
{
    public static readonly GetRegistryStats Instance = new();

    private GetRegistryStats()
    {
    }
}

/// <summary>Answer to <see cref="GetRegistryStats"/>.</summary>
public sealed record RegistryStats(int Connections, int Users) : INoSerializationVerificationNeeded;

/// <summary>Ask how many connections one user holds.</summary>
public sealed record GetUserPresence(string UserId) : INoSerializationVerificationNeeded;

/// <summary>Answer to <see cref="GetUserPresence"/>.</summary>
public sealed record UserPresence(string UserId, int Connections) : INoSerializationVerificationNeeded
{
    public bool Online => Connections > 0;
}

/// <summary>Deliver this frame to every connection of <paramref name="UserId"/> (none: it is counted and dropped).</summary>
public sealed record PushToUser(string UserId, OutboundFrame Frame) : INoSerializationVerificationNeeded;

/// <summary>Close every connection of <paramref name="UserId"/> with a close code from <see cref="Transport.CloseCodes"/>.</summary>
public sealed record DisconnectUser(string UserId, ushort Code, string Reason) : INoSerializationVerificationNeeded;

/// <summary>Subscribe every current connection of <paramref name="UserId"/> to <paramref name="Topic"/>.</summary>
public sealed record SubscribeUser(string UserId, string Topic) : INoSerializationVerificationNeeded;

/// <summary>Unsubscribe every current connection of <paramref name="UserId"/> from <paramref name="Topic"/>.</summary>
public sealed record UnsubscribeUser(string UserId, string Topic) : INoSerializationVerificationNeeded;
