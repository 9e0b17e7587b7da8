using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>
/// Clients whose connections leave from a chosen loopback address (127.0.0.2, ...), as a proxy's or another host's
/// would, optionally carrying forwarding headers: the server sees a different TCP peer per address.
/// </summary>
internal static class ProxyHttp
{
    /// <summary>An HTTP client whose connections leave from <paramref name="local"/>.</summary>
    public static HttpClient HttpFrom(this PushServer server, IPAddress local) =>
        new(HandlerFrom(local)) { BaseAddress = server.BaseUri, Timeout = Deadlines.Default };

    /// <summary>
    /// A WebSocket connected from <paramref name="local"/> with <paramref name="headers"/> on its handshake; throws
    /// a <see cref="WebSocketException"/> when refused (its <see cref="ClientWebSocket.HttpStatusCode"/> says why).
    /// </summary>
    public static async Task<ClientWebSocket> ConnectFromAsync(this PushServer server, IPAddress local, string query, params (string Name, string Value)[] headers)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers)
            socket.Options.SetRequestHeader(name, value);
        var invoker = new HttpMessageInvoker(HandlerFrom(local)); // not disposed: the upgraded connection outlives the handshake
        using var timeout = new CancellationTokenSource(Deadlines.Default);
        await socket.ConnectAsync(server.WebSocketUri(query), invoker, timeout.Token);
        return socket;
    }

    public static async Task<(HttpStatusCode Status, string Body)> SendWithAsync(this HttpClient http, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static SocketsHttpHandler HandlerFrom(IPAddress local) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
