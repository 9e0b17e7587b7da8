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
/// hands them to actors (<c>Tell</c>), the API awaits its asks, and Kestrel's accept loop is kept off the I/O thread
/// (<see cref="KeepAcceptLoopOffIoThread"/>).
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

    /// <summary>
    /// Under a storm of connects the kernel always has the next connection ready, so each accept completes at once
    /// and Kestrel's accept loop keeps going on whatever thread resumed it. With inline I/O that thread is the socket
    /// engine's only I/O thread on one core: while the loop runs, no read completes, and connections accepted just
    /// before it took over wait with their handshakes unread until the backlog is empty, measured at 0.4-1.9 s for
    /// groups of 140-430 connects. So an accept that had to wait resumes on a thread-pool thread instead, one hop
    /// each time the backlog ran dry (docs/performance.md).
    /// </summary>
    public static void KeepAcceptLoopOffIoThread(IServiceCollection services, bool inline)
    {
        if (!inline)
            return;
        var kestrels = services.Last(s => s.ServiceType == typeof(IConnectionListenerFactory)); // UseSockets' factory
        services.Remove(kestrels);
        services.AddSingleton<IConnectionListenerFactory>(provider => new AcceptHopFactory(
            (IConnectionListenerFactory)ActivatorUtilities.CreateInstance(provider, kestrels.ImplementationType!)));
    }

    /// <summary>Kestrel's socket listeners, whose accepts that completed later continue on the thread pool.</summary>
    internal sealed class AcceptHopFactory(IConnectionListenerFactory sockets) : IConnectionListenerFactory
    {
        public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            new Listener(await sockets.BindAsync(endpoint, cancellationToken).ConfigureAwait(false));

        private sealed class Listener(IConnectionListener listener) : IConnectionListener
        {
            public EndPoint EndPoint => listener.EndPoint;

            public ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
            {
                var accept = listener.AcceptAsync(cancellationToken);
                return accept.IsCompleted ? accept : ResumeOnThreadPoolAsync(accept); // a ready connection: no hop
            }

            public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => listener.UnbindAsync(cancellationToken);

            public ValueTask DisposeAsync() => listener.DisposeAsync();

            private static async ValueTask<ConnectionContext?> ResumeOnThreadPoolAsync(ValueTask<ConnectionContext?> accept)
            {
                var connection = await accept.ConfigureAwait(false); // resumes on the I/O thread that saw the accept
                await Task.Yield(); // the accept loop continues on the thread pool
                return connection;
            }
        }
    }
}
