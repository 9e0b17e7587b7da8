using System.Buffers;
using System.Text;
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
    bool HasBody);

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
    public static ParsedHandshake? Parse(in ReadOnlySequence<byte> head, out string? problem)
    {
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        problem = null;
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || requestLine[0] != "GET" || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            return Fail("malformed request line", out problem);
        if (requestLine[2] != "HTTP/1.1")
            return Fail("WebSocket handshakes need HTTP/1.1", out problem);
        var target = requestLine[1];
        var queryStart = target.IndexOf('?');
        if ((queryStart < 0 ? target : target[..queryStart]) != Path)
            return Fail("malformed request target", out problem);
        if (lines.Length - 1 > MaxHeaders)
            return Fail("too many header lines", out problem);

        string? upgrade = null, connection = null, version = null, key = null, origin = null;
        var hasBody = false;
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':');
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)))
                return Fail("malformed header line", out problem);
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (HasControlCharacters(value))
                return Fail("control characters in a header", out problem);
            switch (name.ToLowerInvariant())
            {
                case "upgrade": upgrade = Join(upgrade, value); break;
                case "connection": connection = Join(connection, value); break;
                case "sec-websocket-version": version = Join(version, value); break;
                case "sec-websocket-key": key = Join(key, value); break;
                case "origin": origin = Join(origin, value); break;
                case "content-length": hasBody |= value != "0"; break;
                case "transfer-encoding": hasBody = true; break;
            }
        }

        var query = queryStart < 0 ? new Dictionary<string, StringValues>() : QueryHelpers.ParseQuery(target[queryStart..]);
        var isUpgrade = HasToken(upgrade, "websocket") && HasToken(connection, "upgrade");
        return new ParsedHandshake(query, origin, isUpgrade, version, key, hasBody);
    }

    private static ParsedHandshake? Fail(string text, out string? problem)
    {
        problem = text;
        return null;
    }

    private static string Join(string? existing, string value) => existing is null ? value : existing + "," + value;

    private static bool HasToken(string? header, string token)
    {
        if (header is null)
            return false;
        foreach (var part in header.Split(','))
        {
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
                return true;
        }

        return false;
    }

    private static bool HasControlCharacters(string value)
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
