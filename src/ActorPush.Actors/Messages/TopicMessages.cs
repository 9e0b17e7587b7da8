using Akka.Actor;
using Akka.Event;
using ActorPush.Actors.Transport;

namespace ActorPush.Actors.Messages;

/// <summary>Subscribe one connection (its ClientActor) to a topic. Idempotent.</summary>
public sealed record Subscribe(string Topic, IActorRef Client) : INoSerializationVerificationNeeded;

/// <summary>Unsubscribe one connection from a topic. Unknown topics and clients are ignored.</summary>
public sealed record Unsubscribe(string Topic, IActorRef Client) : INoSerializationVerificationNeeded;

/// <summary>Deliver this frame to every connection subscribed to <paramref name="Topic"/> (none: it is counted and dropped).</summary>
public sealed record PublishToTopic(string Topic, OutboundFrame Frame) : INoSerializationVerificationNeeded;

/// <summary>Death-watch notice the TopicsActor asks for with <c>WatchWith</c> on every subscribed client.</summary>
public sealed record SubscriberTerminated(IActorRef Client) : INoSerializationVerificationNeeded, IDeadLetterSuppression;

/// <summary>Ask the TopicsActor how many live topics and subscriptions it tracks.</summary>
public sealed class GetTopicStats : INoSerializationVerificationNeeded
{
    public static readonly GetTopicStats Instance = new();

    private GetTopicStats()
    {
    }
}

/// <summary>Answer to <see cref="GetTopicStats"/>: live topics (each has a TopicActor) and (topic, connection) pairs.</summary>
public sealed record TopicStats(int Topics, int Subscriptions) : INoSerializationVerificationNeeded;

/// <summary>Ask how many connections are subscribed to one topic.</summary>
public sealed record GetTopicSubscribers(string Topic) : INoSerializationVerificationNeeded;

/// <summary>Answer to <see cref="GetTopicSubscribers"/>.</summary>
public sealed record TopicSubscribers(string Topic, int Subscribers) : INoSerializationVerificationNeeded;
