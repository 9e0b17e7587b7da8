using System.Buffers;
using System.Text;
using ActorPush.Host.Access;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Transport;

/// <summary>An RFC 6455 opening handshake as read off the wire, before any policy looked at it.</summary>
internal sealed record ParsedHandshake(
    Dictionary<string, StringValues> Query,
    string? Origin,
    bool IsUpgrade,
    string? Version,
    string? Key,
    bool HasBody,
    string? Protocols = null,
    ForwardingHeaders Forwarding = default);

/// <summary>The forwarding headers of a handshake (null when absent): who the client is behind a trusted proxy.</summary>
internal readonly record struct ForwardingHeaders(string? Forwarded, string? XForwardedFor, string? XRealIp);

/// <summary>
/// Reads the HTTP/1.1 request head of a WebSocket handshake with strict limits: the head must end
/// within <see cref="MaxHeadBytes"/>, hold at most <see cref="MaxHeaders"/> header lines, and be
/// well-formed; anything else is a 400 (431 for a head that is too large).
/// </summary>
internal static class HandshakeParser
{
    public const int MaxHeadBytes = 8 * 1024;
    public const int MaxHeaders = 64;
    public const string Path = "/im";

    private static ReadOnlySpan<byte> OurPrefix => "GET /im"u8;
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    public enum Sniff
    {
        NeedMore,
        Ours,
        NotOurs,
    }

    /// <summary>Is this connection's first request a GET on exactly <c>/im</c>? Looks at the first 8 bytes at most.</summary>
    public static Sniff SniffRequest(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> start = stackalloc byte[OurPrefix.Length + 1];
        var available = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, available).CopyTo(start);
        var compared = Math.Min(available, OurPrefix.Length);
        if (!start[..compared].SequenceEqual(OurPrefix[..compared]))
            return Sniff.NotOurs;
        if (available < start.Length)
            return Sniff.NeedMore;
        return start[OurPrefix.Length] is (byte)'?' or (byte)' ' ? Sniff.Ours : Sniff.NotOurs;
    }

    /// <summary>Finds the end of the request head. Returns false while it is incomplete (and within limits).</summary>
    public static bool TryFindHead(in ReadOnlySequence<byte> buffer, out SequencePosition endOfHead, out bool tooLarge)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> head, EndOfHead, advancePastDelimiter: true) && head.Length + 4 <= MaxHeadBytes)
        {
            endOfHead = reader.Position;
            tooLarge = false;
            return true;
        }

        endOfHead = default;
        tooLarge = reader.Consumed > MaxHeadBytes || buffer.Length > MaxHeadBytes;
        return false;
    }

    /// <summary>Parses a complete head (without the final empty line). Returns null with a problem text when malformed.</summary>
    /// <remarks>
    /// Works on the head's characters in a pooled buffer: the only strings made are the ones a handshake
    /// keeps (query, key, version, origin), so a connect storm does not turn every header into garbage.
    /// </remarks>
    public static ParsedHandshake? Parse(in ReadOnlySequence<byte> head, out string? problem)
    {
        if (head.Length > MaxHeadBytes) // TryFindHead never hands over more; a guard, not a path
            return Fail("request head too large", out problem);
        var length = (int)head.Length;
        var rented = ArrayPool<char>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var chars = rented.AsSpan(0, length);
            Encoding.Latin1.GetChars(head, chars);
            return Parse(chars, out problem);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static ParsedHandshake? Parse(ReadOnlySpan<char> text, out string? problem)
    {
        problem = null;
        var lineEnd = text.IndexOf("\r\n");
        var requestLine = lineEnd < 0 ? text : text[..lineEnd];

        // The request line is exactly "GET <target> HTTP/1.x": three parts, two single spaces.
        var firstSpace = requestLine.IndexOf(' ');
        var afterMethod = firstSpace < 0 ? ReadOnlySpan<char>.Empty : requestLine[(firstSpace + 1)..];
        var secondSpace = afterMethod.IndexOf(' ');
        if (firstSpace < 0 || secondSpace < 0)
            return Fail("malformed request line", out problem);
        var method = requestLine[..firstSpace];
        var target = afterMethod[..secondSpace];
        var protocol = afterMethod[(secondSpace + 1)..];
        if (protocol.Contains(' ') || !method.SequenceEqual("GET") || !protocol.StartsWith("HTTP/1.", StringComparison.Ordinal))
            return Fail("malformed request line", out problem);
        if (!protocol.SequenceEqual("HTTP/1.1"))
            return Fail("WebSocket handshakes need HTTP/1.1", out problem);
        var queryStart = target.IndexOf('?');
        if (!(queryStart < 0 ? target : target[..queryStart]).SequenceEqual(Path))
            return Fail("malformed request target", out problem);
        if (text.Count("\r\n") > MaxHeaders)
            return Fail("too many header lines", out problem);

        string? version = null, key = null, origin = null, protocols = null, forwarded = null, forwardedFor = null, realIp = null;
        bool upgradeToWebSocket = false, connectionUpgrade = false, hasBody = false;
        var remaining = lineEnd < 0 ? ReadOnlySpan<char>.Empty : text[(lineEnd + 2)..];
        var more = lineEnd >= 0;
        while (more)
        {
            var end = remaining.IndexOf("\r\n");
            var line = end < 0 ? remaining : remaining[..end];
            more = end >= 0;
            if (more)
                remaining = remaining[(end + 2)..];

            var colon = line.IndexOf(':');
            if (colon <= 0 || !IsToken(line[..colon]))
                return Fail("malformed header line", out problem);
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t");
            if (HasControlCharacters(value))
                return Fail("control characters in a header", out problem);

            // A repeated header counts as one comma-joined value, as HTTP defines it.
            if (name.Equals("upgrade", StringComparison.OrdinalIgnoreCase))
                upgradeToWebSocket |= HasToken(value, "websocket");
            else if (name.Equals("connection", StringComparison.OrdinalIgnoreCase))
                connectionUpgrade |= HasToken(value, "upgrade");
            else if (name.Equals("sec-websocket-version", StringComparison.OrdinalIgnoreCase))
                version = Join(version, value);
            else if (name.Equals("sec-websocket-key", StringComparison.OrdinalIgnoreCase))
                key = Join(key, value);
            else if (name.Equals("sec-websocket-protocol", StringComparison.OrdinalIgnoreCase))
                protocols = Join(protocols, value);
            else if (name.Equals("origin", StringComparison.OrdinalIgnoreCase))
                origin = Join(origin, value);
            else if (name.Equals(ClientAddress.XForwardedForHeader, StringComparison.OrdinalIgnoreCase))
                forwardedFor = Join(forwardedFor, value);
            else if (name.Equals(ClientAddress.ForwardedHeader, StringComparison.OrdinalIgnoreCase))
                forwarded = Join(forwarded, value);
            else if (name.Equals(ClientAddress.XRealIpHeader, StringComparison.OrdinalIgnoreCase))
                realIp = Join(realIp, value);
            else if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
                hasBody |= !value.SequenceEqual("0");
            else if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
                hasBody = true;
        }

        var query = queryStart < 0 ? new Dictionary<string, StringValues>() : QueryHelpers.ParseQuery(target[queryStart..].ToString());
        return new ParsedHandshake(
            query, origin, upgradeToWebSocket && connectionUpgrade, version, key, hasBody, protocols, new ForwardingHeaders(forwarded, forwardedFor, realIp));
    }

    private static ParsedHandshake? Fail(string text, out string? problem)
    {
        problem = text;
        return null;
    }

    private static string Join(string? existing, ReadOnlySpan<char> value) =>
        existing is null ? value.ToString() : string.Concat(existing, ",", value);

    private static bool HasToken(ReadOnlySpan<char> header, string token)
    {
        foreach (var part in header.Split(','))
        {
            if (header[part].Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                return true;
        }

        return false;
    }

    private static bool HasControlCharacters(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if ((c < ' ' && c != '\t') || c == '\x7f')
                return true;
        }

        return false;
    }

    private static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".Contains(c))
                return false;
        }

        return true;
    }
}
