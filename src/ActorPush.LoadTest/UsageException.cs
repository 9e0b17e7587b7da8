namespace ActorPush.LoadTest;

/// <summary>Bad command line; the message (if any) is printed above the usage text.</summary>
public sealed class UsageException(string? message) : Exception(message ?? string.Empty);
