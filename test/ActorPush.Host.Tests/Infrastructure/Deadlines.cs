namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>How long tests wait for an event before they fail. Generous: CI machines are shared and noisy.</summary>
public static class Deadlines
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);
}
