using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>An HTTP response head (and its Content-Length body) as read off a raw socket.</summary>
public sealed record RawHttpResponse(int Status, string StatusLine, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>All values of a header (case-insensitive name), comma-joined; null when absent.</summary>
    public string? Header(string name)
    {
        var values = Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(",", values);
    }
}

/// <summary>One frame the server sent, exactly as it was on the wire (header bits kept, so tests can check them).</summary>
public static class Op
{
    public const int Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;
}

public sealed record RawFrame(bool Fin, int Rsv, int Opcode, bool Masked, int LengthEncoding, byte[] Payload)
{
    public bool IsClose => Opcode == Op.Close;

    /// <summary>The close code, or null for a close frame without payload (or a non-close frame).</summary>
    public ushort? CloseCode => IsClose && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : null;

    public string CloseReason => IsClose && Payload.Length > 2 ? Encoding.UTF8.GetString(Payload, 2, Payload.Length - 2) : "";

    public string Text => Encoding.UTF8.GetString(Payload);

    public override string ToString() =>
        $"frame fin={Fin} rsv={Rsv} opcode=0x{Opcode:X} masked={Masked} len={Payload.Length}" + (IsClose ? $" code={CloseCode} reason='{CloseReason}'" : "");
}

/// <summary>What the server did next: sent a frame, closed the TCP connection cleanly (FIN), or reset it.</summary>
public enum StreamEnd
{
    None,
    Eof,
    Reset,
}

public sealed record FrameOrEnd(RawFrame? Frame, StreamEnd End)
{
    public override string ToString() => Frame?.ToString() ?? End.ToString();
}

/// <summary>
/// A WebSocket client written on a bare <see cref="Socket"/>, for conformance and fuzz tests: it sends
/// whatever bytes a test gives it (handshakes and frames, valid or not) and reads exactly what the
/// server answers. Every read has a deadline; a read that passes it throws <see cref="TimeoutException"/>.
/// </summary>
public sealed class RawWebSocketClient : IAsyncDisposable, IDisposable
{
    public const string ValidKey = "dGhlIHNhbXBsZSBub25jZQ==";
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private StreamEnd _ended;

    private RawWebSocketClient(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public static async Task<RawWebSocketClient> ConnectAsync(Uri baseUri, TimeSpan? deadline = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(deadline ?? DefaultDeadline);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, baseUri.Port), timeout.Token);
            return new RawWebSocketClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects, sends a valid handshake for <paramref name="userId"/> and checks the 101 (with the right accept value).</summary>
    public static async Task<RawWebSocketClient> ConnectUpgradedAsync(Uri baseUri, string userId, TimeSpan? deadline = null)
    {
        var client = await ConnectAsync(baseUri, deadline);
        try
        {
            await client.SendAsync(Handshake("/im?user_id=" + Uri.EscapeDataString(userId)));
            var response = await client.ReadHttpResponseAsync(deadline);
            if (response is null || response.Status != 101)
                throw new InvalidOperationException($"handshake refused: {response?.StatusLine ?? "EOF"} {response?.BodyText}");
            if (response.Header("Sec-WebSocket-Accept") != ComputeAccept(ValidKey))
                throw new InvalidOperationException("wrong Sec-WebSocket-Accept: " + response.Header("Sec-WebSocket-Accept"));
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    // ---- building requests and frames -------------------------------------------------------------

    /// <summary>A handshake request head. <paramref name="headers"/> null means the standard valid set; each entry is one raw header line.</summary>
    public static byte[] Handshake(string target, IEnumerable<string>? headers = null, string requestLine = "")
    {
        var text = new StringBuilder();
        text.Append(requestLine.Length > 0 ? requestLine : $"GET {target} HTTP/1.1").Append("\r\n");
        foreach (var header in headers ?? StandardHeaders())
            text.Append(header).Append("\r\n");
        text.Append("\r\n");
        return Encoding.Latin1.GetBytes(text.ToString());
    }

    public static List<string> StandardHeaders(string key = ValidKey, string version = "13") =>
    [
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        $"Sec-WebSocket-Key: {key}",
        $"Sec-WebSocket-Version: {version}",
    ];

    /// <summary>Sec-WebSocket-Accept per RFC 6455 section 4.2.2: base64(SHA-1(key + GUID)).</summary>
    public static string ComputeAccept(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    /// <summary>
    /// Builds one client frame with any header bits, wrong ones included. <paramref name="mask"/> null
    /// means unmasked. <paramref name="declaredLength"/> overrides the length field (the payload is still
    /// appended as given); <paramref name="lengthEncoding"/> forces 7-bit (0), 16-bit (2) or 64-bit (8) encoding.
    /// </summary>
    public static byte[] Frame(int opcode, ReadOnlySpan<byte> payload, bool fin = true, int rsv = 0, byte[]? mask = null,
        bool masked = true, long? declaredLength = null, int? lengthEncoding = null, bool includePayload = true)
    {
        var length = declaredLength ?? payload.Length;
        var encoding = lengthEncoding ?? ((ulong)length < 126 ? 0 : (ulong)length <= ushort.MaxValue ? 2 : 8);
        var key = masked ? mask ?? [0x37, 0xFA, 0x21, 0x3D] : null;
        var body = includePayload ? payload.Length : 0;
        var frame = new byte[2 + encoding + (key is null ? 0 : 4) + body];
        frame[0] = (byte)((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F));
        var maskBit = key is null ? 0 : 0x80;
        var at = 2;
        switch (encoding)
        {
            case 0:
                frame[1] = (byte)(maskBit | (int)(length & 0x7F));
                break;
            case 2:
                frame[1] = (byte)(maskBit | 126);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
                at += 2;
                break;
            default:
                frame[1] = (byte)(maskBit | 127);
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)length);
                at += 8;
                break;
        }

        if (key is not null)
        {
            key.CopyTo(frame, at);
            at += 4;
        }

        if (includePayload)
        {
            for (var i = 0; i < payload.Length; i++)
                frame[at + i] = (byte)(payload[i] ^ (key is null ? 0 : key[i & 3]));
        }

        return frame;
    }

    public static byte[] TextFrame(string text, bool fin = true) => Frame(Op.Text, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] CloseFrame(ushort code, ReadOnlySpan<byte> reason = default)
    {
        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, code);
        reason.CopyTo(payload.AsSpan(2));
        return Frame(Op.Close, payload);
    }

    // ---- sending ------------------------------------------------------------------------------------

    public Task SendAsync(byte[] bytes, TimeSpan? deadline = null) => SendAsync(bytes.AsMemory(), deadline);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? DefaultDeadline);
        try
        {
            while (!bytes.IsEmpty)
            {
                var sent = await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
                bytes = bytes[sent..];
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"send did not complete within {deadline ?? DefaultDeadline}");
        }
    }

    /// <summary>Sends <paramref name="bytes"/> as several writes split at the given offsets (to test reassembly across reads).</summary>
    public async Task SendChunkedAsync(byte[] bytes, IEnumerable<int> chunkSizes, TimeSpan? deadline = null)
    {
        var at = 0;
        foreach (var size in chunkSizes)
        {
            if (at >= bytes.Length)
                break;
            var take = Math.Min(size, bytes.Length - at);
            await SendAsync(bytes.AsMemory(at, take), deadline);
            at += take;
        }

        if (at < bytes.Length)
            await SendAsync(bytes.AsMemory(at), deadline);
    }

    /// <summary>Half-closes: the server reads EOF; we can still read what it answers.</summary>
    public void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // already reset by the server
        }
    }

    // ---- reading ------------------------------------------------------------------------------------

    /// <summary>Bytes received but not consumed yet.</summary>
    public int Buffered => _end - _start;

    /// <summary>Reads more bytes into the buffer. Returns false at EOF or reset. Throws <see cref="TimeoutException"/> at the deadline.</summary>
    private async Task<bool> FillAsync(CancellationToken deadline, TimeSpan deadlineForMessage)
    {
        if (_ended != StreamEnd.None)
            return false;
        if (_start > 0 && _start == _end)
            _start = _end = 0;
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
                Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        try
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, deadline);
            if (read == 0)
            {
                _ended = StreamEnd.Eof;
                return false;
            }

            _end += read;
            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"the server did not answer within {deadlineForMessage}");
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            _ended = StreamEnd.Reset;
            return false;
        }
    }

    /// <summary>
    /// Reads an HTTP response head, and its body when it has a Content-Length. Returns null when the
    /// server closed (or reset) the connection before sending a byte.
    /// </summary>
    public async Task<RawHttpResponse?> ReadHttpResponseAsync(TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        using var timeout = new CancellationTokenSource(limit);
        int endOfHead;
        while ((endOfHead = IndexOfEndOfHead()) < 0)
        {
            if (!await FillAsync(timeout.Token, limit))
            {
                if (Buffered == 0)
                    return null;
                throw new InvalidDataException($"connection ended ({_ended}) inside an HTTP response head: {Encoding.Latin1.GetString(_buffer, _start, _end - _start)}");
            }
        }

        var head = Encoding.Latin1.GetString(_buffer, _start, endOfHead - _start);
        _start = endOfHead + 4;
        var lines = head.Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusParts[1], out var status))
            throw new InvalidDataException("malformed status line: " + lines[0]);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                throw new InvalidDataException("malformed response header line: " + line);
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        var body = Array.Empty<byte>();
        var contentLength = headers.FirstOrDefault(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        if (contentLength is not null && status != 101)
        {
            var length = int.Parse(contentLength);
            while (Buffered < length)
            {
                if (!await FillAsync(timeout.Token, limit))
                    throw new InvalidDataException($"connection ended ({_ended}) inside a response body");
            }

            body = _buffer.AsSpan(_start, length).ToArray();
            _start += length;
        }

        return new RawHttpResponse(status, lines[0], headers, body);
    }

    private int IndexOfEndOfHead()
    {
        var index = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
        return index < 0 ? -1 : _start + index;
    }

    /// <summary>Reads the next server frame, or the end of the stream (EOF or reset). Throws <see cref="TimeoutException"/> at the deadline.</summary>
    public async Task<FrameOrEnd> ReadFrameAsync(TimeSpan? deadline = null, int maxPayload = 16 * 1024 * 1024)
    {
        var limit = deadline ?? DefaultDeadline;
        using var timeout = new CancellationTokenSource(limit);
        while (true)
        {
            if (TryParseFrame(maxPayload, out var frame))
                return new FrameOrEnd(frame, StreamEnd.None);
            if (!await FillAsync(timeout.Token, limit))
            {
                if (Buffered > 0)
                    throw new InvalidDataException($"connection ended ({_ended}) inside a server frame ({Buffered} bytes pending)");
                return new FrameOrEnd(null, _ended);
            }
        }
    }

    private bool TryParseFrame(int maxPayload, out RawFrame? frame)
    {
        frame = null;
        var data = _buffer.AsSpan(_start, _end - _start);
        if (data.Length < 2)
            return false;
        var masked = (data[1] & 0x80) != 0;
        long length = data[1] & 0x7F;
        var encoding = length switch { 126 => 2, 127 => 8, _ => 0 };
        var headerLength = 2 + encoding + (masked ? 4 : 0);
        if (data.Length < headerLength)
            return false;
        if (encoding == 2)
            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        else if (encoding == 8)
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
        if (length < 0 || length > maxPayload)
            throw new InvalidDataException($"server frame declares an implausible length {length}");
        if (data.Length < headerLength + length)
            return false;
        var payload = data.Slice(headerLength, (int)length).ToArray();
        if (masked)
        {
            var key = data.Slice(2 + encoding, 4);
            for (var i = 0; i < payload.Length; i++)
                payload[i] ^= key[i & 3];
        }

        frame = new RawFrame((data[0] & 0x80) != 0, (data[0] >> 4) & 7, data[0] & 0x0F, masked, encoding, payload);
        _start += headerLength + (int)length;
        return true;
    }

    /// <summary>Reads frames until a close frame arrives; returns it (data frames and pings before it are skipped). Null when the stream ended first.</summary>
    public async Task<RawFrame?> ReadUntilCloseAsync(TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (true)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException("no close frame before the deadline");
            var next = await ReadFrameAsync(left);
            if (next.Frame is null)
                return null;
            if (next.Frame.IsClose)
                return next.Frame;
        }
    }

    /// <summary>Reads the next data frame (skipping pings and pongs). Throws when a close or the end of the stream comes first.</summary>
    public async Task<RawFrame> ReadDataFrameAsync(TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (true)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException("no data frame before the deadline");
            var next = await ReadFrameAsync(left);
            if (next.Frame is null)
                throw new InvalidDataException($"stream ended ({next.End}) while waiting for a data frame");
            if (next.Frame.Opcode is Op.Text or Op.Binary or Op.Continuation || next.Frame.IsClose)
            {
                if (next.Frame.IsClose)
                    throw new InvalidDataException("close frame while waiting for a data frame: " + next.Frame);
                return next.Frame;
            }
        }
    }

    /// <summary>Discards everything until the server closes or resets the connection; returns which.</summary>
    public async Task<StreamEnd> ReadToEndAsync(TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        using var timeout = new CancellationTokenSource(limit);
        while (await FillAsync(timeout.Token, limit))
            _start = _end;
        _start = _end;
        return _ended;
    }

    public void Dispose()
    {
        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Used by tests that want the default deadline of the suite.</summary>
    public static TimeSpan Deadline => Deadlines.Default;
}
