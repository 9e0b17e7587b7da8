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
    public static void AwaitProcessed(this TestKitBase kit, IActorRef actor)
    {
        var probe = kit.CreateTestProbe();
        var id = Guid.NewGuid();
        actor.Tell(new Identify(id), probe.Ref);
        probe.ExpectMsg<ActorIdentity>(i => Equals(i.MessageId, id) && Equals(i.Subject, actor));
    }
}
