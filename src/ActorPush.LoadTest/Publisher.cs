using System.Diagnostics;

namespace ActorPush.LoadTest;

/// <summary>
/// One publishing client: sends its messages (sequence 0..M-1, send timestamp inside) either paced
/// at a rate or with at most W unacknowledged in flight, where its own echo is the acknowledgement.
/// </summary>
public sealed class Publisher
{
    private readonly WsClient _client;
    private readonly int _senderId;
    private readonly int _messages;
    private readonly double _rate;
    private readonly SemaphoreSlim? _window;
    private readonly byte[] _payload;
    private readonly byte[] _frame;
    private long _sent;

    public Publisher(WsClient client, int senderId, LoadOptions options, double ratePerSender)
    {
        _client = client;
        _senderId = senderId;
        _messages = options.Messages;
        _rate = ratePerSender;
        _payload = new byte[options.PayloadBytes];
        _frame = new byte[options.PayloadBytes + FrameHeader.MaxLength];
        if (ratePerSender <= 0)
        {
            var window = new SemaphoreSlim(options.Window);
            _window = window;
            client.Tracker.OnSenderMessage = sender =>
            {
                if (sender == senderId)
                {
                    window.Release();
                }
            };
        }
    }

    public long Sent => Interlocked.Read(ref _sent);

    public async Task RunAsync(CancellationToken cancel)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            for (var seq = 0; seq < _messages; seq++)
            {
                if (_window is not null)
                {
                    await _window.WaitAsync(cancel).ConfigureAwait(false);
                }
                else
                {
                    var due = TimeSpan.FromSeconds(seq / _rate) - Stopwatch.GetElapsedTime(start);
                    if (due > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(due, cancel).ConfigureAwait(false);
                    }
                }

                cancel.ThrowIfCancellationRequested();
                MessagePayload.Write(_payload, _senderId, seq, Stopwatch.GetTimestamp());
                await _client.SendAsync(Opcode.Text, _payload, _frame).ConfigureAwait(false);
                Interlocked.Increment(ref _sent);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }
}
