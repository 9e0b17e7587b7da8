using Akka.Actor;
using Akka.Event;
using ActorPush.Actors.Messages;
using ActorPush.Actors.Metrics;

namespace ActorPush.Actors;

/// <summary>
/// Parent of every live topic (<c>"topics"</c>). It is the one owner of topic membership: which
/// connections are subscribed to which topic, with every subscribed ClientActor death-watched. A topic
/// gets a <see cref="TopicActor"/> child on its first subscriber, which does the fan-out; when the last
/// subscriber leaves (unsubscribe or death) the child is stopped and forgotten at once, so a later
/// subscribe simply starts a fresh child. Because only this actor decides membership and lifetime,
/// there is no window in which a subscribe can reach a topic that is stopping.
///
/// It also enforces the node's topic bounds (<see cref="TopicAdmission"/>): no more than <c>max-topics</c> live
/// topics (a subscription that would create one more is refused, counted and logged), and a publish to a topic holds
/// room in the topic gate until its TopicActor has fanned it out (one to no topic gives it back at once).
/// </summary>
public sealed class TopicsActor : ReceiveActor
{
    private readonly Dictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, HashSet<string>> _clients = [];
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(1);

    private readonly int _maxTopicsPerClient;
    private readonly TopicAdmission _admission;
    private readonly PushMetrics _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _subscriptions;
    private long _generation;
    private DateTime _lastRefusalLog = DateTime.MinValue;
    private int _refusalsNotLogged;

    public TopicsActor(int maxTopicsPerClient)
    {
        _maxTopicsPerClient = maxTopicsPerClient;
        _admission = TopicAdmission.Get(Context.System);
        _metrics = PushMetrics.Get(Context.System);
        Receive<PublishToTopic>(Handle);
        Receive<Subscribe>(Handle);
        Receive<Unsubscribe>(unsubscribe => Remove(unsubscribe.Topic, unsubscribe.Client));
        Receive<SubscriberTerminated>(Handle);
        Receive<GetTopicStats>(_ => Sender.Tell(new TopicStats(_topics.Count, _subscriptions)));
        Receive<GetTopicSubscribers>(query =>
            Sender.Tell(new TopicSubscribers(query.Topic, _topics.TryGetValue(query.Topic, out var topic) ? topic.Subscribers.Count : 0)));
    }

    /// <param name="maxTopicsPerClient">Subscriptions one connection may hold; further subscribes are ignored and counted.</param>
    /// <remarks>The node's topic bounds are its <see cref="TopicAdmission"/>; the sender of every <see cref="PublishToTopic"/> has entered its gate.</remarks>
    public static Props Props(int maxTopicsPerClient) => Akka.Actor.Props.Create(() => new TopicsActor(maxTopicsPerClient));

    private void Handle(PublishToTopic publish)
    {
        _metrics.MessageIn();
        if (_topics.TryGetValue(publish.Topic, out var topic))
            topic.Actor.Tell(new Publish(publish.Frame)); // the TopicActor gives the gate's room back
        else
            _admission.Gate.Leave(publish.Frame.Payload.Length);
    }

    private void Handle(Subscribe subscribe)
    {
        if (!_clients.TryGetValue(subscribe.Client, out var clientTopics))
        {
            clientTopics = new HashSet<string>(StringComparer.Ordinal);
            _clients.Add(subscribe.Client, clientTopics);
            Context.WatchWith(subscribe.Client, new SubscriberTerminated(subscribe.Client));
        }

        if (clientTopics.Contains(subscribe.Topic))
            return;
        if (clientTopics.Count >= _maxTopicsPerClient)
        {
            Refused(subscribe, $"the connection already has {clientTopics.Count} topics (actorpush.client.max-topics)");
            return;
        }

        if (!_topics.TryGetValue(subscribe.Topic, out var topic))
        {
            if (_topics.Count >= _admission.MaxTopics)
            {
                Refused(subscribe, $"the node holds its limit of {_topics.Count} topics (actorpush.topics.max-topics)");
                return;
            }

            topic = new Topic(Context.ActorOf(TopicActor.Props(_admission.Gate), "topic-" + ++_generation));
            _topics.Add(subscribe.Topic, topic);
            _admission.Created(subscribe.Topic);
        }

        clientTopics.Add(subscribe.Topic);
        topic.Subscribers.Add(subscribe.Client);
        _subscriptions++;
        topic.Actor.Tell(new AddRecipient(subscribe.Client));
    }

    private void Handle(SubscriberTerminated terminated)
    {
        if (!_clients.Remove(terminated.Client, out var clientTopics))
            return;
        foreach (var name in clientTopics)
            RemoveFromTopic(name, terminated.Client);
    }

    private void Remove(string name, IActorRef client)
    {
        if (!_clients.TryGetValue(client, out var clientTopics) || !clientTopics.Remove(name))
            return;
        if (clientTopics.Count == 0)
        {
            _clients.Remove(client);
            Context.Unwatch(client);
        }

        RemoveFromTopic(name, client);
    }

    private void RemoveFromTopic(string name, IActorRef client)
    {
        if (!_topics.TryGetValue(name, out var topic) || !topic.Subscribers.Remove(client))
            return;
        _subscriptions--;
        if (topic.Subscribers.Count > 0)
        {
            topic.Actor.Tell(new RemoveRecipient(client));
            return;
        }

        // Last subscriber gone: forget the topic now (a new subscribe starts a fresh child) and stop the
        // child after whatever it already has queued.
        _topics.Remove(name);
        _admission.Removed(name);
        topic.Actor.Tell(PoisonPill.Instance);
    }

    /// <summary>A refused subscription: counted always, logged at most once a second (with how many were not).</summary>
    private void Refused(Subscribe subscribe, string why)
    {
        _metrics.SubscriptionRefused();
        var now = DateTime.UtcNow;
        if (now - _lastRefusalLog < RefusalLogInterval)
        {
            _refusalsNotLogged++;
            return;
        }

        _log.Warning("Subscription of {0} to topic {1} refused: {2} ({3} more refused since the last such log)",
            subscribe.Client.Path.Name, subscribe.Topic, why, _refusalsNotLogged);
        _lastRefusalLog = now;
        _refusalsNotLogged = 0;
    }

    private sealed class Topic(IActorRef actor)
    {
        public IActorRef Actor { get; } = actor;

        public HashSet<IActorRef> Subscribers { get; } = [];
    }
}
