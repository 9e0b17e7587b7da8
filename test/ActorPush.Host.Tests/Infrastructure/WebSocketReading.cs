using System.Net.WebSockets;
using System.Text;

namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>One whole message as a client received it.</summary>
public sealed record ReceivedMessage(WebSocketMessageType Type, byte[] Payload, WebSocketCloseStatus? CloseStatus)
{
    public string Text => Encoding.UTF8.GetString(Payload);
}

public static class WebSocketReading
{
    /// <summary>Reads the next whole message (or the close frame) with a deadline.</summary>
    public static async Task<ReceivedMessage> ReceiveMessageAsync(this WebSocket socket, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? Deadlines.Default);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
                return new ReceivedMessage(WebSocketMessageType.Close, [], result.CloseStatus);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
                return new ReceivedMessage(result.MessageType, message.ToArray(), null);
        }
    }

    public static async Task<string> ReceiveTextAsync(this WebSocket socket, TimeSpan? deadline = null)
    {
        var message = await socket.ReceiveMessageAsync(deadline);
        Assert.Equal(WebSocketMessageType.Text, message.Type);
        return message.Text;
    }

    /// <summary>
    /// Reads (and skips data messages) until the server's close frame arrives, answers it as a browser
    /// would (completing the close handshake), and returns its code.
    /// </summary>
    public static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(this WebSocket socket, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? Deadlines.Default);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (socket.State == WebSocketState.CloseReceived)
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                return result.CloseStatus;
            }
        }
    }

    public static Task SendTextAsync(this WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
}
