using System.Security.Cryptography;
using System.Text;

namespace ActorPush.LoadTest;

/// <summary>The HTTP/1.1 upgrade request a client sends and the check of the server's 101 answer.</summary>
public static class Handshake
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    public static (byte[] Request, string ExpectedAccept) BuildRequest(TargetEndpoint target, string userId)
    {
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        var key = Convert.ToBase64String(nonce);
        var accept = AcceptKey.Compute(key);
        var hostPort = $"{target.Address}:{target.Port}";
        var request =
            $"GET {target.Path}?user_id={Uri.EscapeDataString(userId)} HTTP/1.1\r\n" +
            $"Host: {hostPort}\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            $"Origin: {target.Origin}\r\n" +
            "\r\n";
        return (Encoding.ASCII.GetBytes(request), accept);
    }

    /// <summary>Index just past the blank line that ends the response head, or -1 if it has not arrived yet.</summary>
    public static int FindHeadEnd(ReadOnlySpan<byte> data)
    {
        var at = data.IndexOf(HeaderEnd);
        return at < 0 ? -1 : at + HeaderEnd.Length;
    }

    /// <summary>Null when the head is a valid 101 upgrade with the right accept key; otherwise why not.</summary>
    public static string? Validate(ReadOnlySpan<byte> head, string expectedAccept)
    {
        var text = Encoding.ASCII.GetString(head);
        var firstLineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        var statusLine = firstLineEnd < 0 ? text : text[..firstLineEnd];
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || parts[1] != "101")
        {
            return $"status '{statusLine}'";
        }

        foreach (var line in text.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0
                && line.AsSpan(0, colon).Trim().Equals("Sec-WebSocket-Accept", StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim() == expectedAccept ? null : "wrong Sec-WebSocket-Accept";
            }
        }

        return "no Sec-WebSocket-Accept";
    }
}
