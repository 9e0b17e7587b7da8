using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace ActorPush.LoadTest;

/// <summary>
/// Opens connections at a capped rate and with a capped number of handshakes in flight,
/// spreading them round-robin over the source addresses, and keeps the connect statistics.
/// </summary>
public sealed class Connector(LoadOptions options)
{
    private readonly ConcurrentDictionary<string, int> _errorKinds = new();
    private long _connected;
    private long _errors;

    public LatencyHistogram ConnectMicros { get; } = new();

    public long Connected => Interlocked.Read(ref _connected);

    public long Errors => Interlocked.Read(ref _errors);

    public IReadOnlyDictionary<string, int> ErrorKinds => _errorKinds;

    /// <summary>
    /// Connects clients <paramref name="firstId"/>.. in order, client k with receive buffer
    /// <paramref name="buffers"/>[k]; failed slots stay null. After every <see cref="LoadOptions.ConnectYieldEvery"/>
    /// starts the loop queues its next turn behind the work already waiting. Without that, a burst of starts (the
    /// first 1,000 of a storm) ran before any finished TCP connect got its request sent, so the clock of each of
    /// those connects also ran while the tool opened all the others (docs/performance.md).
    /// </summary>
    public async Task<WsClient?[]> ConnectManyAsync(
        int firstId,
        int count,
        Func<int, DeliveryTracker> trackerFor,
        Func<int, int?> socketReceiveBufferFor,
        byte[][] buffers,
        CancellationToken cancel)
    {
        var clients = new WsClient?[count];
        var gate = new SemaphoreSlim(options.ConnectConcurrency);
        var tasks = new Task[count];
        Array.Fill(tasks, Task.CompletedTask);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count && !cancel.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds(i / options.ConnectRate) - Stopwatch.GetElapsedTime(start);
            try
            {
                if (due > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(due, cancel).ConfigureAwait(false);
                }

                await gate.WaitAsync(cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (options.ConnectYieldEvery > 0 && i > 0 && i % options.ConnectYieldEvery == 0)
            {
                await Task.Yield(); // to the back of the thread pool's global queue, where socket completions wait
            }

            var slot = i;
            tasks[i] = Task.Run(async () =>
            {
                try
                {
                    var id = firstId + slot;
                    clients[slot] = await ConnectOneAsync(id, trackerFor(id), socketReceiveBufferFor(id), cancel, buffers[slot])
                        .ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return clients;
    }

    /// <summary>Opens one client; <paramref name="receiveBuffer"/> is used if given, a new one allocated if not.</summary>
    public async Task<WsClient?> ConnectOneAsync(
        int id, DeliveryTracker tracker, int? socketReceiveBuffer, CancellationToken cancel, byte[]? receiveBuffer = null)
    {
        var source = options.Sources[id % options.Sources.Length];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(options.ConnectTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var client = await WsClient.ConnectAsync(
                id, options.TargetFor(id), source, tracker, receiveBuffer ?? WsClient.NewReceiveBuffer(options.ReceiveBuffer),
                socketReceiveBuffer, timeout.Token).ConfigureAwait(false);
            ConnectMicros.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            Interlocked.Increment(ref _connected);
            return client;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return null; // the run (or the churn loop) ended while this connection was being opened: not a failure
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _errors);
            _errorKinds.AddOrUpdate(Describe(e), 1, (_, n) => n + 1);
            return null;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timeout",
        SocketException s => s.SocketErrorCode.ToString(),
        IOException io => io.Message,
        _ => e.GetType().Name,
    };
}
