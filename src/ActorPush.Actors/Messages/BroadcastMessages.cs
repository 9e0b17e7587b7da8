using Akka.Actor;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Messages;

/// <summary>
/// Fan this frame out to every registered client. The only message the BroadcastActor's bounded mailbox counts
/// (<see cref="PublishGate"/>). <paramref name="Reserved"/>: its room was reserved at admission already.
/// </summary>
public sealed record Publish(OutboundFrame Frame, bool Reserved = false) : INoSerializationVerificationNeeded;

/// <summary>
/// A client joined; it receives every fan-out from now on. With <paramref name="Acknowledge"/> the fan-out
/// actor answers the client with <see cref="RecipientAdded"/> once it is in the set.
/// </summary>
public sealed record AddRecipient(IActorRef Client, bool Acknowledge = false) : INoSerializationVerificationNeeded;

/// <summary>To a ClientActor: the BroadcastActor has added it; every broadcast processed after this reaches it.</summary>
public sealed class RecipientAdded : INoSerializationVerificationNeeded
{
    public static readonly RecipientAdded Instance = new();

    private RecipientAdded()
    {
    }
}

/// <summary>From the RegistryActor: a client terminated; forget it.</summary>
public sealed record RemoveRecipient(IActorRef Client) : INoSerializationVerificationNeeded;
