namespace ActorPush.Actors.Settings;

/// <summary>A bad or unknown <c>actorpush.*</c> key. The message names the key; the server refuses to start.</summary>
public sealed class ActorPushConfigException(string key, string problem)
    : Exception($"Invalid configuration: '{key}' {problem}")
{
    public string Key { get; } = key;
}
