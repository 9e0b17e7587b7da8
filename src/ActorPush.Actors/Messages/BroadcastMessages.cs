using Akka.Actor;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Messages;

/// <summary>
/// Fan this frame out to every registered client. The only message the BroadcastActor's bounded
/// mailbox counts against its capacity and drops when full.
/// </summary>
public sealed record Publish(OutboundFrame Frame) : INoSerializationVerificationNeeded;

/// <summary>From the RegistryActor: a client joined; it receives every broadcast from now on.</summary>
public sealed record AddRecipient(IActorRef Client) : INoSerializationVerificationNeeded;

/// <summary>From the RegistryActor: a client terminated; forget it.</summary>
public sealed record RemoveRecipient(IActorRef Client) : INoSerializationVerificationNeeded;
