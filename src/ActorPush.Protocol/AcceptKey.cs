using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ActorPush.Protocol;

/// <summary>The opening handshake's key check (RFC 6455 section 4.2.2): Sec-WebSocket-Accept from Sec-WebSocket-Key.</summary>
public static class AcceptKey
{
    /// <summary>A Sec-WebSocket-Key is 16 random bytes in base64: 24 characters.</summary>
    public const int KeyLength = 24;

    /// <summary>Sec-WebSocket-Accept is a SHA-1 hash in base64: 28 characters.</summary>
    public const int AcceptLength = 28;

    private static ReadOnlySpan<byte> Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Whether <paramref name="key"/> is a valid Sec-WebSocket-Key (base64 of exactly 16 bytes).</summary>
    public static bool IsValidKey(ReadOnlySpan<char> key)
    {
        Span<byte> decoded = stackalloc byte[KeyLength];
        return key.Length == KeyLength && Convert.TryFromBase64Chars(key, decoded, out var written) && written == 16;
    }

    /// <summary>Writes the accept value for <paramref name="key"/> as ASCII into <paramref name="destination"/> (28 bytes).</summary>
    public static int Write(ReadOnlySpan<char> key, Span<byte> destination)
    {
        if (key.Length > 64)
            throw new ArgumentException("a Sec-WebSocket-Key is 24 characters", nameof(key));
        Span<byte> keyAndGuid = stackalloc byte[key.Length + Guid.Length];
        var keyBytes = Encoding.ASCII.GetBytes(key, keyAndGuid);
        Guid.CopyTo(keyAndGuid[keyBytes..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(keyAndGuid[..(keyBytes + Guid.Length)], hash);
        Base64.EncodeToUtf8(hash, destination, out _, out var written);
        return written;
    }

    /// <summary>The accept value for <paramref name="key"/>.</summary>
    public static string Compute(string key)
    {
        Span<byte> accept = stackalloc byte[AcceptLength];
        return Encoding.ASCII.GetString(accept[..Write(key, accept)]);
    }
}
