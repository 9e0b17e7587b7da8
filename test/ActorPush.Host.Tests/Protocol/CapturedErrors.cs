using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>
/// Collects every Error/Critical log entry the in-process server writes (Kestrel logs an exception
/// that escapes connection middleware as "Unhandled exception while processing ..."), so fuzz tests
/// can assert that no input made the transport throw.
/// </summary>
public sealed class CapturedErrors : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public static CapturedErrors AttachTo(IServiceProvider services)
    {
        var captured = new CapturedErrors();
        services.GetRequiredService<ILoggerFactory>().AddProvider(captured);
        return captured;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Error || entries.Count > 1000)
                return;
            entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message} {exception?.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
        }
    }
}
