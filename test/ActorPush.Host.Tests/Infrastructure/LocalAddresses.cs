using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace ActorPush.Host.Tests.Infrastructure;

public static class LocalAddresses
{
    /// <summary>
    /// One of this machine's own non-loopback IPv4 addresses, for tests where the server must see a non-loopback caller
    /// (server and client both on that address: the traffic never leaves the machine); null on a loopback-only sandbox.
    /// </summary>
    public static IPAddress? NonLoopback() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(ip => ip.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip));
}
