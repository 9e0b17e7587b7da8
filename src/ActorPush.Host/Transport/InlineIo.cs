using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace ActorPush.Host.Transport;

/// <summary>
/// <c>actorpush.inline-io</c>: socket completions and Kestrel's pipe continuations run on the I/O thread that saw
/// them, instead of each being queued to the thread pool and picked up by another thread first. A connect costs
/// several such hops (accept, the handshake's read, the 101's write), so a reconnect storm is where it shows: fewer
/// context switches, less CPU per connect and a higher rate (docs/performance.md); fan-out measured the same. On by
/// default. It is safe only because nothing that runs there blocks or loops for long: the transport parses frames and
/// hands them to actors (<c>Tell</c>), the API awaits its asks, and the accept loop is kept off the I/O thread
/// (<see cref="Sockets.DirectListenerFactory"/>).
/// </summary>
internal static class InlineIo
{
    /// <summary>The runtime's switch; its socket engine reads it once, when the process makes its first socket.</summary>
    public const string SocketsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// The runtime half: call before the process opens any socket (Program does, before the host runs). Process-wide,
    /// so the in-process test servers leave it alone: the test process's own clients must not run on I/O threads.
    /// Off leaves the environment as the operator set it.
    /// </summary>
    public static void ApplyToProcess(bool inline)
    {
        if (inline)
            Environment.SetEnvironmentVariable(SocketsVariable, "1");
    }

    /// <summary>The Kestrel half: pipe reads and flushes continue on the thread that completed them.</summary>
    public static void Configure(SocketTransportOptions sockets, bool inline) =>
        sockets.UnsafePreferInlineScheduling = inline;
}
