using System.Net;

namespace ActorPush.Host.Access;

/// <summary>
/// The peers whose forwarding headers (<c>Forwarded</c>, <c>X-Forwarded-For</c>, <c>X-Real-IP</c>) are believed:
/// <c>actorpush.trusted-proxies</c>, addresses or CIDR ranges. Empty (the default) believes nobody.
/// </summary>
public sealed class TrustedProxies
{
    private readonly IPNetwork[] _networks;

    public TrustedProxies(IEnumerable<string> entries)
    {
        _networks = entries.Select(Parse).ToArray();
    }

    public static TrustedProxies None { get; } = new([]);

    public bool IsEmpty => _networks.Length == 0;

    /// <summary>An address (<c>127.0.0.1</c>, <c>::1</c>) or a range (<c>10.0.0.0/8</c>); throws <see cref="FormatException"/> otherwise.</summary>
    public static IPNetwork Parse(string entry)
    {
        if (IPAddress.TryParse(entry, out var address))
        {
            address = Normalize(address);
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        return IPNetwork.TryParse(entry, out var network)
            ? network
            : throw new FormatException($"'{entry}' is not an address or a CIDR range");
    }

    public bool Contains(IPAddress? address)
    {
        if (address is null)
            return false;
        address = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
                return true;
        }

        return false;
    }

    /// <summary>IPv4-mapped IPv6 (<c>::ffff:127.0.0.1</c>, what a dual-stack socket reports) as the IPv4 address it is.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
