using Akka.Actor;

namespace ActorPush.Actors;

/// <summary>
/// The clients a fan-out actor (BroadcastActor, TopicActor) tells. A hash set: O(1) add and remove, and
/// its entries sit in one array, so telling everyone is a tight loop over it. At 16 bytes per client it
/// is half of a list plus a position index. Not thread-safe: it belongs to one actor.
/// </summary>
public sealed class RecipientSet
{
    private readonly HashSet<IActorRef> _recipients = [];

    public int Count => _recipients.Count;

    /// <summary>Adds <paramref name="client"/> once; false when it is already there.</summary>
    public bool Add(IActorRef client) => _recipients.Add(client);

    /// <summary>Removes <paramref name="client"/>; false when it was not there.</summary>
    public bool Remove(IActorRef client)
    {
        if (!_recipients.Remove(client))
            return false;
        if (_recipients.Count == 0)
            _recipients.TrimExcess(); // everyone left: give the table back
        return true;
    }

    /// <summary>Tells every recipient the same <paramref name="message"/> instance; returns how many were told.</summary>
    public int TellAll(object message)
    {
        foreach (var recipient in _recipients)
            recipient.Tell(message, ActorRefs.NoSender);
        return _recipients.Count;
    }
}
