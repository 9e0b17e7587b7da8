using Akka.Actor;

namespace ActorPush.Actors.Messages;

/// <summary>Tells a <see cref="ClientActor"/> to close its connection with a close code from <see cref="Transport.CloseCodes"/>.</summary>
public sealed record Disconnect(ushort Code, string Reason) : INoSerializationVerificationNeeded;
