using Akka.Actor;
using Akka.TestKit;

namespace ActorPush.Actors.Tests;

internal static class MailboxBarrier
{
    /// <summary>
    /// Returns once <paramref name="actor"/> has processed every message sent to it before this call:
    /// <see cref="Identify"/> is answered in mailbox order. A deterministic point to assert that something
    /// did NOT happen, without sleeping.
    /// </summary>
    /// <remarks>
    /// Twice, because an actor may finish work it started for those messages with a message to itself
    /// (the BroadcastActor sends a batch when the marker it told itself comes up; the ClientActor
    /// flushes the same way); that marker sits behind the first Identify and is processed before the second.
    /// </remarks>
    public static void AwaitProcessed(this TestKitBase kit, IActorRef actor)
    {
        var probe = kit.CreateTestProbe();
        for (var round = 0; round < 2; round++)
        {
            var id = Guid.NewGuid();
            actor.Tell(new Identify(id), probe.Ref);
            probe.ExpectMsg<ActorIdentity>(i => Equals(i.MessageId, id) && Equals(i.Subject, actor));
        }
    }
}
