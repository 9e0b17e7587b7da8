namespace ActorPush.Actors.Transport;

/// <summary>
/// Which stream a message travels on, as clients of the <c>actorpush.v1</c> protocol see it (docs/protocol.md):
/// <c>broadcast</c> (everyone), <c>user</c> (the recipient's own stream: pushes to one user) or
/// <c>topic:&lt;name&gt;</c>. Raw clients never see it.
/// </summary>
public sealed class PushStream
{
    /// <summary>Everyone: client publishes and <c>POST /api/broadcast</c>.</summary>
    public static readonly PushStream Broadcast = new("broadcast");

    /// <summary>Pushes to one user (<c>POST /api/users/{id}/messages</c>): every recipient is that user.</summary>
    public static readonly PushStream User = new("user");

    private PushStream(string name) => Name = name;

    /// <summary>The name in the envelope's <c>stream</c> field.</summary>
    public string Name { get; }

    /// <summary>The stream of a topic (made once per publish, shared by every recipient of it).</summary>
    public static PushStream Topic(string topic) => new("topic:" + topic);

    public override string ToString() => Name;
}
