using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Handshake;

/// <summary>What a topic name must look like: 1-128 bytes of <c>[A-Za-z0-9_.:@/-]</c>. Checked at the handshake and in the API.</summary>
public static class TopicRules
{
    public const int MaxBytes = 128;

    /// <summary>Returns null when <paramref name="topic"/> is a valid topic name, else a short text naming the problem.</summary>
    public static string? Problem(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
            return "topic name is empty";
        if (topic.Length > MaxBytes) // every allowed character is one byte
            return $"topic name is longer than {MaxBytes} bytes";
        foreach (var c in topic)
        {
            if (!IsAllowed(c))
                return "topic name may contain only A-Z a-z 0-9 _ . : @ / -";
        }

        return null;
    }

    /// <summary>
    /// Reads <c>topics=a,b</c> (the parameter may also repeat): the distinct names in order, or a problem text.
    /// No parameter means no topics.
    /// </summary>
    public static (IReadOnlyList<string> Topics, string? Problem) Parse(StringValues values, int maxTopics)
    {
        if (values.Count == 0)
            return ([], null);
        var topics = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            foreach (var name in (value ?? "").Split(','))
            {
                if (Problem(name) is { } problem)
                    return ([], $"{problem} (topics=a,b)");
                if (seen.Add(name))
                    topics.Add(name);
                if (topics.Count > maxTopics)
                    return ([], $"more than {maxTopics} topics (actorpush.client.max-topics)");
            }
        }

        return (topics, null);
    }

    private static bool IsAllowed(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '.' or ':' or '@' or '/' or '-';
}
