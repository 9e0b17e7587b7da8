using System.Net;
using System.Net.Sockets;

namespace ActorPush.LoadTest;

/// <summary>The load tool never leaves the machine: targets and source addresses must be 127.0.0.0/8.</summary>
public static class LoopbackGuard
{
    public static bool IsLoopbackV4(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] == 127;

    public static IPAddress[] ParseSources(string list)
    {
        var sources = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(IPAddress.Parse)
            .ToArray();
        foreach (var source in sources)
        {
            if (!IsLoopbackV4(source))
            {
                throw new ArgumentException($"source '{source}' is not a 127.0.0.0/8 address");
            }
        }

        if (sources.Length == 0)
        {
            throw new ArgumentException("--source needs at least one address");
        }

        return sources;
    }
}
