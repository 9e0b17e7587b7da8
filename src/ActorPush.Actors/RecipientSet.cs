using Akka.Actor;

namespace ActorPush.Actors;

/// <summary>
/// The clients a fan-out actor (BroadcastActor, TopicActor) tells: a dense list for a tight loop, with
/// an index for O(1) removal. Not thread-safe: it belongs to one actor.
/// </summary>
public sealed class RecipientSet
{
    private readonly List<IActorRef> _recipients = [];
    private readonly Dictionary<IActorRef, int> _positions = [];

    public int Count => _recipients.Count;

    /// <summary>Adds <paramref name="client"/> once; false when it is already there.</summary>
    public bool Add(IActorRef client)
    {
        if (!_positions.TryAdd(client, _recipients.Count))
            return false;
        _recipients.Add(client);
        return true;
    }

    /// <summary>Removes <paramref name="client"/>; false when it was not there.</summary>
    public bool Remove(IActorRef client)
    {
        if (!_positions.Remove(client, out var position))
            return false;

        // Swap the last recipient into the hole so the list stays dense.
        var last = _recipients.Count - 1;
        if (position != last)
        {
            var moved = _recipients[last];
            _recipients[position] = moved;
            _positions[moved] = position;
        }

        _recipients.RemoveAt(last);
        return true;
    }

    /// <summary>Tells every recipient the same <paramref name="message"/> instance; returns how many were told.</summary>
    public int TellAll(object message)
    {
        var recipients = _recipients;
        for (var i = 0; i < recipients.Count; i++)
            recipients[i].Tell(message, ActorRefs.NoSender);
        return recipients.Count;
    }
}
