using System.Diagnostics;
using System.Net.WebSockets;
using ActorPush.Actors.Transport;
using ActorPush.Host.Tests.Infrastructure;
using ActorPush.Host.Transport;
using Microsoft.Extensions.Logging;

namespace ActorPush.Host.Tests;

/// <summary>Cuts for a client's own behaviour are logged at Information with the reason, and not more than 10 lines a second.</summary>
public sealed class CutLogTests
{
    [Fact]
    public async Task A_rate_limit_cut_is_logged_at_information_with_its_reason()
    {
        using var config = await TempConfigFile.WriteAsync("actorpush.client.rate-limit = 1\nactorpush.client.rate-limit-burst = 1");
        var port = ServerProcess.FreePort();
        await using var server = ServerProcess.Start(["--urls", $"http://127.0.0.1:{port}", "--config", config.Path]);
        await server.WaitUntilServingAsync(new Uri($"http://127.0.0.1:{port}"));
        using var client = await ServerProcess.ConnectAsync(port, "flooder");

        for (var i = 0; i < 5 && client.State == WebSocketState.Open; i++)
            await client.SendTextAsync("m" + i);

        Assert.Equal((WebSocketCloseStatus)CloseCodes.RateLimited, await client.ReceiveCloseAsync());
        await Eventually.HoldsAsync(() => server.Output.Contains("Cut flooder ("), "the cut line in the log");
        Assert.Contains("with 4029, rate limit", server.Output);
        Assert.Contains("info: ActorPush.Host.Transport.CutLog", server.Output);
    }

    [Fact]
    public void A_wave_of_cuts_logs_at_most_10_lines_a_second_and_then_how_many_it_left_out()
    {
        var logger = new ListLogger();
        var cuts = new CutLog(logger);
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 50; i++)
            cuts.Closed("u" + i, "c" + i, CloseCodes.SlowConsumer);
        var seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        cuts.Closed("other", "c", CloseCodes.Normal); // not a cut: never logged

        var cutLines = logger.Lines.Count(l => l.StartsWith("Cut ", StringComparison.Ordinal));
        Assert.True(cutLines <= CutLog.LinesPerSecond * (seconds + 1), $"{cutLines} lines in {seconds} s");
        Assert.All(logger.Lines, l => Assert.DoesNotContain("other", l));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
