namespace ActorPush.Host.Configuration;

/// <summary>What happens to the frames clients send (<c>actorpush.client.publish</c>).</summary>
public enum PublishMode
{
    /// <summary>Every client frame is broadcast to every connected client (the seed's behaviour).</summary>
    Broadcast,

    /// <summary>Client frames are counted and dropped; only the server side pushes.</summary>
    Off,
}
