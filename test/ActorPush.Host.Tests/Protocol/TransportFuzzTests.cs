using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ActorPush.Host.Tests.Infrastructure;
using Xunit.Abstractions;
using static ActorPush.Host.Tests.Protocol.RawWebSocketClient;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>The fuzz tests measure the whole process (memory, connection counts): nothing else may run beside them.</summary>
[CollectionDefinition(nameof(TransportFuzzCollection), DisableParallelization = true)]
public sealed class TransportFuzzCollection;

/// <summary>
/// Seeded, bounded fuzzing of the hand-written transport on real Kestrel: mutated handshakes and mutated
/// frame streams, thousands of each over a few concurrent connections. Every case must end with an
/// answer (HTTP status, close frame, EOF/reset) within a deadline, the server must never answer
/// garbage or log an unhandled error, and afterwards it must be healthy. The seed is printed; set
/// ACTORPUSH_FUZZ_SEED to explore others (and ACTORPUSH_FUZZ_CASES to run more cases).
/// </summary>
[Collection(nameof(TransportFuzzCollection))]
public sealed class TransportFuzzTests(ITestOutputHelper output)
{
    private const string SeedVariable = "ACTORPUSH_FUZZ_SEED";
    private const string CasesVariable = "ACTORPUSH_FUZZ_CASES";
    private const int DefaultSeed = 6455;
    private const int DefaultCases = 3000;
    private const int Workers = 8;
    private const string FuzzHocon = "actorpush.client.close-timeout = 2s";
    private static readonly TimeSpan CaseDeadline = TimeSpan.FromSeconds(6);
    private static readonly byte[] Interesting = [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x20, 0x3A, 0x3F, 0x25, 0x2C, 0x7F, 0x80, 0xC0, 0xFF];

    [Fact]
    public async Task Mutated_handshakes_always_get_an_HTTP_answer_or_EOF_and_leave_the_server_healthy()
    {
        await RunAsync("handshake", HandshakeCaseAsync);
    }

    [Fact]
    public async Task Mutated_frame_streams_always_end_in_a_valid_close_or_EOF_and_leave_the_server_healthy()
    {
        await RunAsync("frames", FrameCaseAsync);
    }

    private async Task RunAsync(string kind, Func<PushServer, int, Random, Action<string>, Task<string?>> runCase)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var s) ? s : DefaultSeed;
        var cases = int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), out var c) ? c : DefaultCases;
        output.WriteLine($"{kind} fuzz: seed {seed} (override with {SeedVariable}), {cases} cases, {Workers} workers, each case bounded by its own deadline");

        await using var server = await PushServer.StartAsync(FuzzHocon);
        var errors = CapturedErrors.AttachTo(server.Services);
        await using var watchers = await Watchers.StartAsync(server, 2);
        var memoryBefore = SettledMemory();

        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentDictionary<string, int>();
        void Record(string outcome) => outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        var next = -1;
        var completed = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < cases && failures.Count < 20)
            {
                var random = new Random(unchecked(seed * 1_000_003 + index));
                string? failure;
                try
                {
                    failure = await runCase(server, index, random, Record);
                }
                catch (Exception e)
                {
                    failure = $"{e.GetType().Name}: {e.Message}";
                }

                if (failure is not null)
                    failures.Enqueue($"case {index} (seed {seed}): {failure}");
                Interlocked.Increment(ref completed);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        output.WriteLine($"{completed} cases in {stopwatch.Elapsed.TotalSeconds:F1}s, {failures.Count} failures");
        output.WriteLine("outcomes: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key}: {o.Value}")));
        foreach (var failure in failures.Take(20))
            output.WriteLine("FAIL " + failure);
        foreach (var error in errors.Entries.Take(10))
            output.WriteLine("SERVER ERROR " + error);

        // Healthy afterwards: /ping, the registry counts exactly the well-behaved clients, a fresh
        // client connects and gets a broadcast, the watchers got it too, memory came back down.
        using (var http = new HttpClient { BaseAddress = server.BaseUri, Timeout = Deadlines.Default })
            Assert.Equal("pong", await http.GetStringAsync("/ping"));
        await server.WaitForConnectionsAsync(watchers.Count);
        await using (var fresh = await ConnectUpgradedAsync(server.BaseUri, "fresh"))
        {
            await server.WaitForConnectionsAsync(watchers.Count + 1);
            var marker = $"healthy after {kind} fuzz, seed {seed}";
            await fresh.SendAsync(TextFrame(marker));
            while ((await fresh.ReadDataFrameAsync(Deadlines.Default)).Text != marker)
            {
            }

            await watchers.WaitForAllAsync(marker);
            await fresh.SendAsync(CloseFrame(1000));
            Assert.Equal((ushort)1000, (await fresh.ReadUntilCloseAsync(Deadlines.Default))?.CloseCode);
        }

        await server.WaitForConnectionsAsync(watchers.Count);
        Assert.Empty(watchers.Problems);

        long memoryAfter = 0;
        const long allowedGrowth = 48L * 1024 * 1024;
        await Eventually.HoldsAsync(() => (memoryAfter = SettledMemory()) - memoryBefore < allowedGrowth,
            $"managed memory to settle near its level before the run ({memoryBefore / 1024} KiB)", TimeSpan.FromSeconds(15));
        output.WriteLine($"managed memory: {memoryBefore / 1024} KiB before, {memoryAfter / 1024} KiB after");

        Assert.True(failures.IsEmpty, $"{failures.Count} failing cases (seed {seed}):\n" + string.Join("\n", failures.Take(10)));
        Assert.True(errors.Entries.Count == 0, "the server logged errors:\n" + string.Join("\n", errors.Entries.Take(10)));
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    // ---- (a) handshakes ---------------------------------------------------------------------------

    private static async Task<string?> HandshakeCaseAsync(PushServer server, int index, Random random, Action<string> record)
    {
        var request = MutatedHandshake(random, index, out var description);
        // HTTP servers skip empty lines before a request line (RFC 9112 section 2.2): those do not make a head.
        var headComplete = request.AsSpan().TrimStart("\r\n"u8).IndexOf("\r\n\r\n"u8) > 0;
        var halfCloseFirst = !headComplete || random.Next(2) == 0; // an incomplete head would wait for the 10 s handshake timeout

        await using var client = await ConnectAsync(server.BaseUri, CaseDeadline);
        try
        {
            await client.SendChunkedAsync(request, RandomChunks(random, request.Length), CaseDeadline);
        }
        catch (SocketException)
        {
            // the server refused early and closed while we were still sending: what it answered is read below
        }

        if (halfCloseFirst)
            client.ShutdownSend();

        RawHttpResponse? response;
        try
        {
            response = await client.ReadHttpResponseAsync(CaseDeadline);
        }
        catch (TimeoutException)
        {
            return $"no answer within {CaseDeadline} ({description}; half-closed: {halfCloseFirst}) to {Show(request)}";
        }
        catch (InvalidDataException e)
        {
            return $"malformed answer: {e.Message} ({description}) to {Show(request)}";
        }

        record(response is null ? "no response, closed" : response.Status.ToString());
        if (response is null && headComplete && !halfCloseFirst)
            return $"connection closed without any HTTP answer to a complete head ({description}): {Show(request)}";
        if (response is not null)
        {
            if (response.Status is not (101 or >= 400 and <= 499 or 501 or 505))
                return $"unexpected status {response.StatusLine} ({description}): {Show(request)}";
            if (response.Status == 101 && response.Header("Sec-WebSocket-Accept") is not { Length: 28 })
                return $"101 without a proper Sec-WebSocket-Accept ({description})";
        }

        client.ShutdownSend();
        try
        {
            if (response?.Status == 101)
                return await FrameProblemsUntilEndAsync(client, CaseDeadline, expectedClose: null, record) is { } problem ? $"{problem} after 101 ({description})" : null;
            await client.ReadToEndAsync(CaseDeadline);
            return null;
        }
        catch (TimeoutException)
        {
            return $"connection not closed within {CaseDeadline} after the answer {response?.StatusLine} and our FIN ({description})";
        }
    }

    private static byte[] MutatedHandshake(Random random, int index, out string description)
    {
        var steps = new List<string>();
        if (random.Next(20) == 0)
        {
            description = "random garbage";
            var garbage = new byte[random.Next(0, 3000)];
            random.NextBytes(garbage);
            return random.Next(2) == 0 ? [.. "GET /im"u8, .. garbage] : garbage;
        }

        var headers = StandardHeaders(random.Next(4) == 0 ? RandomKey(random) : ValidKey);
        var target = "/im?user_id=u" + index;
        for (int i = 0, n = random.Next(0, 3); i < n; i++)
        {
            switch (random.Next(6))
            {
                case 0:
                    headers.Insert(random.Next(headers.Count + 1), headers[random.Next(headers.Count)]);
                    steps.Add("duplicate header");
                    break;
                case 1:
                    headers.Add($"X-Big: {new string('v', random.Next(100, 12_000))}");
                    steps.Add("huge value");
                    break;
                case 2:
                    headers.AddRange(Enumerable.Range(0, random.Next(55, 80)).Select(h => $"X-{h}: {h}"));
                    steps.Add("many headers");
                    break;
                case 3:
                    headers.RemoveAt(random.Next(headers.Count));
                    steps.Add("header removed");
                    break;
                case 4:
                    target = random.Next(3) switch
                    {
                        0 => "/im?user_id=" + Uri.EscapeDataString(new string('é', random.Next(1, 200))),
                        1 => "/im?user_id=%" + random.Next(0, 256).ToString("X") + "&user_id=%ZZ",
                        _ => "/im?" + new string('q', random.Next(0, 9000)),
                    };
                    steps.Add("odd target");
                    break;
                default:
                    headers.Add(random.Next(2) == 0 ? "Content-Length: " + random.Next(0, 20) : "Origin: http://evil.example");
                    steps.Add("extra header");
                    break;
            }
        }

        var bytes = new List<byte>(RawWebSocketClient.Handshake(target, headers));
        for (int i = 0, n = random.Next(0, 4); i < n && bytes.Count > 0; i++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    steps.Add($"bit flip at {at}");
                    break;
                case 1:
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    steps.Add($"byte {bytes[at]:X2} at {at}");
                    break;
                case 2:
                    var inserted = new byte[random.Next(1, 16)];
                    random.NextBytes(inserted);
                    bytes.InsertRange(at, inserted);
                    steps.Add($"insert {inserted.Length} at {at}");
                    break;
                case 3:
                    var count = Math.Min(random.Next(1, 40), bytes.Count - at);
                    bytes.RemoveRange(at, count);
                    steps.Add($"delete {count} at {at}");
                    break;
                case 4:
                    bytes.InsertRange(at, "\r\n\r\n"u8.ToArray());
                    steps.Add($"early end of head at {at}");
                    break;
                case 5:
                    bytes.RemoveRange(at, bytes.Count - at);
                    steps.Add($"truncated at {at}");
                    break;
                default:
                    var tail = new byte[random.Next(1, 300)];
                    random.NextBytes(tail);
                    bytes.AddRange(tail);
                    steps.Add("garbage after the head");
                    break;
            }
        }

        description = steps.Count == 0 ? "valid" : string.Join(", ", steps);
        return bytes.ToArray();
    }

    private static string RandomKey(Random random) => random.Next(3) switch
    {
        0 => Convert.ToBase64String(RandomBytes(random, random.Next(0, 30))),
        1 => new string((char)random.Next(0x21, 0x7F), random.Next(0, 40)),
        _ => Convert.ToBase64String(RandomBytes(random, 16)),
    };

    // ---- (b) frame streams ------------------------------------------------------------------------

    private static async Task<string?> FrameCaseAsync(PushServer server, int index, Random random, Action<string> record)
    {
        var valid = random.Next(4) == 0;
        var stream = valid ? ValidFrames(random) : MutatedFrames(random, out _);
        var closeAtEnd = CloseFrame(1000);

        await using var client = await ConnectUpgradedAsync(server.BaseUri, "f" + index, CaseDeadline);
        try
        {
            byte[] all = [.. stream, .. closeAtEnd];
            await client.SendChunkedAsync(all, RandomChunks(random, all.Length), CaseDeadline);
        }
        catch (SocketException)
        {
            // the server gave up on us (close timeout) while we were sending: the answer is read below
        }
        catch (TimeoutException)
        {
            return $"server stopped reading ({Show(stream)})";
        }

        try
        {
            if (valid)
            {
                // A valid stream then our close: the server must echo 1000 and close TCP, without our FIN.
                return await FrameProblemsUntilEndAsync(client, CaseDeadline, expectedClose: 1000, record) is { } problem && !problem.Contains("code 4008")
                    ? $"{problem} for a valid stream {Show(stream)}"
                    : null;
            }

            // Anything goes, but it must end: our FIN makes even a server waiting for payload finish.
            client.ShutdownSend();
            return await FrameProblemsUntilEndAsync(client, CaseDeadline, expectedClose: null, record) is { } p ? $"{p} for {Show(stream)}" : null;
        }
        catch (TimeoutException)
        {
            return $"no close/EOF within {CaseDeadline} (valid: {valid}) for {Show(stream)}";
        }
    }

    /// <summary>Reads every server frame until the connection ends; returns the first thing wrong with them, or null.</summary>
    private static async Task<string?> FrameProblemsUntilEndAsync(RawWebSocketClient client, TimeSpan deadline, ushort? expectedClose, Action<string>? record = null)
    {
        var until = DateTime.UtcNow + deadline;
        RawFrame? close = null;
        while (true)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException();
            FrameOrEnd next;
            try
            {
                next = await client.ReadFrameAsync(left);
            }
            catch (InvalidDataException e)
            {
                return "server sent something that is not a frame: " + e.Message;
            }

            if (next.Frame is null)
            {
                record?.Invoke(close is null ? $"{next.End} without close" : $"close {close.CloseCode?.ToString() ?? "(empty)"} then {next.End}");
                if (close is null)
                    return $"connection ended ({next.End}) without a close frame"; // our FIN or close always gets one
                if (expectedClose is not null && next.End != StreamEnd.Eof)
                    return "connection reset after a clean close handshake";
                return null;
            }

            var frame = next.Frame;
            if (close is not null)
                return $"frame after the close frame: {frame}";
            if (frame.Masked || frame.Rsv != 0 || frame.Opcode is not (Op.Text or Op.Binary or Op.Close or Op.Ping or Op.Pong) || !frame.Fin)
                return $"malformed server frame: {frame}";
            if (frame.Opcode >= 8 && frame.Payload.Length > 125)
                return $"oversized control frame: {frame}";
            if (frame.IsClose)
            {
                close = frame;
                if (frame.Payload.Length == 1)
                    return "close frame with a 1-byte payload";
                if (frame.CloseCode is { } code && !IsAllowedServerCloseCode(code))
                    return $"unexpected close code {code} ('{frame.CloseReason}')";
                if (expectedClose is { } expected && frame.CloseCode != expected)
                    return $"close code {frame.CloseCode} ('{frame.CloseReason}'), expected {expected}";
            }
        }
    }

    /// <summary>Codes the server may send: its own (1000, 1002, 1007, 1009, 4008) or a valid code it echoes.</summary>
    private static bool IsAllowedServerCloseCode(ushort code) =>
        code is 1000 or 1001 or 1002 or 1003 or 1007 or 1008 or 1009 or 1010 or (>= 3000 and <= 4999);

    private static byte[] ValidFrames(Random random)
    {
        var bytes = new List<byte>();
        for (int i = 0, n = random.Next(1, 6); i < n; i++)
        {
            switch (random.Next(5))
            {
                case 0:
                    bytes.AddRange(Frame(Op.Ping, RandomBytes(random, random.Next(0, 126)), mask: RandomBytes(random, 4)));
                    break;
                case 1:
                    bytes.AddRange(Frame(Op.Binary, RandomBytes(random, RandomSmallLength(random)), mask: RandomBytes(random, 4)));
                    break;
                default:
                    var text = Encoding.UTF8.GetBytes(RandomText(random));
                    var cuts = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, text.Length + 1)).Order().ToList();
                    var parts = new List<byte[]>();
                    var at = 0;
                    foreach (var cut in cuts)
                    {
                        parts.Add(text[at..cut]);
                        at = cut;
                    }

                    parts.Add(text[at..]);
                    for (var p = 0; p < parts.Count; p++)
                    {
                        bytes.AddRange(Frame(p == 0 ? Op.Text : Op.Continuation, parts[p], fin: p == parts.Count - 1, mask: RandomBytes(random, 4)));
                        if (random.Next(4) == 0)
                            bytes.AddRange(Frame(Op.Ping, "i"u8)); // a control frame between fragments
                    }

                    break;
            }
        }

        return bytes.ToArray();
    }

    private static readonly long[] InterestingLengths =
    [
        0, 1, 125, 126, 127, 65535, 65536, 64 * 1024 + 1, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue,
        long.MaxValue, long.MaxValue - 1, long.MaxValue - 100_000, long.MinValue, -1,
    ];

    private static byte[] MutatedFrames(Random random, out string description)
    {
        var bytes = new List<byte>(random.Next(3) == 0 ? [] : ValidFrames(random));
        var steps = new List<string>();
        for (int i = 0, n = random.Next(1, 4); i < n; i++)
        {
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    var flip = random.Next(bytes.Count);
                    bytes[flip] ^= (byte)(1 << random.Next(8));
                    steps.Add("bit flip");
                    break;
                case 1 when bytes.Count > 0:
                    var del = random.Next(bytes.Count);
                    bytes.RemoveRange(del, Math.Min(random.Next(1, 10), bytes.Count - del));
                    steps.Add("delete");
                    break;
                case 2:
                    bytes.InsertRange(random.Next(bytes.Count + 1), RandomBytes(random, random.Next(1, 32)));
                    steps.Add("insert garbage");
                    break;
                default:
                    // A frame with random header bits and a random (often lying) length.
                    var first = (byte)random.Next(256);
                    var declared = random.Next(3) switch
                    {
                        0 => InterestingLengths[random.Next(InterestingLengths.Length)],
                        1 => random.NextInt64(0, 70_000),
                        _ => random.NextInt64(),
                    };
                    int[] encodings = declared switch { >= 0 and < 126 => [0, 2, 8], >= 0 and <= ushort.MaxValue => [2, 8], _ => [8] };
                    var encoding = encodings[random.Next(encodings.Length)];
                    var payload = RandomBytes(random, (int)Math.Clamp(declared < 0 ? 0 : declared, 0, random.Next(0, 2048)));
                    var frame = Frame(first & 0x0F, payload, fin: (first & 0x80) != 0, rsv: random.Next(8) == 0 ? random.Next(8) : 0,
                        masked: random.Next(10) != 0, mask: RandomBytes(random, 4), declaredLength: declared, lengthEncoding: encoding);
                    if (random.Next(3) == 0)
                        frame = [.. Frame(random.Next(1, 3), RandomBytes(random, random.Next(0, 100)), fin: false), .. frame]; // a fragment in progress first
                    bytes.InsertRange(random.Next(2) == 0 ? bytes.Count : random.Next(bytes.Count + 1), frame);
                    steps.Add($"random frame op={first & 0xF} len={declared}");
                    break;
            }
        }

        if (random.Next(4) == 0 && bytes.Count > 0)
            bytes.RemoveRange(random.Next(bytes.Count), 1);
        description = string.Join(", ", steps);
        return bytes.ToArray();
    }

    private static int RandomSmallLength(Random random) => random.Next(4) switch
    {
        0 => random.Next(0, 126),
        1 => random.Next(126, 1000),
        2 => random.Next(1000, 70_000) is var l && l <= 64 * 1024 ? l : 64 * 1024,
        _ => random.Next(0, 10),
    };

    private static string RandomText(Random random)
    {
        string[] alphabet = ["a", "Z", " ", "é", "€", "𝄞", "κ", "\n", "{", "\"", "\u0000", "\uFFFD"];
        var text = new StringBuilder();
        for (int i = 0, n = random.Next(0, 300); i < n; i++)
            text.Append(alphabet[random.Next(alphabet.Length)]);
        return text.ToString();
    }

    // ---- shared -----------------------------------------------------------------------------------

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<int> RandomChunks(Random random, int total) =>
        random.Next(3) == 0
            ? [total]
            : Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Next(1, Math.Max(2, total / 2)));

    private static string Show(byte[] bytes)
    {
        var shown = bytes.AsSpan(0, Math.Min(bytes.Length, 160));
        return $"[{bytes.Length} bytes] {Convert.ToHexString(shown)}{(bytes.Length > shown.Length ? "..." : "")}";
    }

    /// <summary>Well-behaved raw clients connected through the whole run: they read everything and answer pings.</summary>
    private sealed class Watchers : IAsyncDisposable
    {
        private readonly List<RawWebSocketClient> _clients = [];
        private readonly List<Task> _readers = [];
        private readonly ConcurrentDictionary<int, ConcurrentQueue<string>> _texts = new();
        private readonly CancellationTokenSource _stop = new();

        public int Count => _clients.Count;

        public ConcurrentQueue<string> Problems { get; } = new();

        public static async Task<Watchers> StartAsync(PushServer server, int count)
        {
            var watchers = new Watchers();
            for (var i = 0; i < count; i++)
            {
                var client = await ConnectUpgradedAsync(server.BaseUri, "watcher" + i);
                var texts = watchers._texts.GetOrAdd(i, _ => new ConcurrentQueue<string>());
                watchers._clients.Add(client);
                watchers._readers.Add(Task.Run(() => watchers.ReadAsync(client, texts)));
            }

            await server.WaitForConnectionsAsync(count);
            return watchers;
        }

        private async Task ReadAsync(RawWebSocketClient client, ConcurrentQueue<string> texts)
        {
            while (!_stop.IsCancellationRequested)
            {
                FrameOrEnd next;
                try
                {
                    next = await client.ReadFrameAsync(TimeSpan.FromMinutes(5));
                }
                catch (TimeoutException)
                {
                    continue;
                }
                catch (Exception e)
                {
                    if (!_stop.IsCancellationRequested)
                        Problems.Enqueue("watcher read failed: " + e.Message);
                    return;
                }

                if (next.Frame is null)
                {
                    if (!_stop.IsCancellationRequested)
                        Problems.Enqueue($"watcher's connection ended: {next.End}");
                    return;
                }

                switch (next.Frame.Opcode)
                {
                    case Op.Ping:
                        await client.SendAsync(Frame(Op.Pong, next.Frame.Payload));
                        break;
                    case Op.Close:
                        if (!_stop.IsCancellationRequested)
                            Problems.Enqueue("watcher was closed: " + next.Frame);
                        return;
                    case Op.Text:
                        if (texts.Count > 10_000)
                            texts.TryDequeue(out _);
                        texts.Enqueue(next.Frame.Text);
                        break;
                }
            }
        }

        public Task WaitForAllAsync(string marker) =>
            Eventually.HoldsAsync(() => _texts.Values.All(q => q.Contains(marker)), $"every watcher to receive '{marker}'");

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            foreach (var client in _clients)
                client.Dispose();
            await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        }
    }
}
