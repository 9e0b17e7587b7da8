using ActorPush.Host.Configuration;
using ActorPush.Host.Transport;

namespace ActorPush.Host.Observability;

/// <summary>
/// Graceful stop in order: <c>/readyz</c> answers 503 from the first moment (so the load balancer takes the node
/// out), the node keeps serving for <c>actorpush.shutdown-drain</c>, then every client gets close 1001 and the host
/// goes on to stop Kestrel (which waits for those closes up to <c>actorpush.shutdown-timeout</c>) and the actor system.
/// Runs in <see cref="IHostedLifecycleService.StoppingAsync"/>, before any hosted service stops.
/// </summary>
internal sealed partial class ShutdownDrain(ActorPushSettings settings, Readiness readiness, ConnectionTracker tracker, ILogger<ShutdownDrain> logger)
    : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        readiness.Stopping();
        if (settings.ShutdownDrain > TimeSpan.Zero)
        {
            LogDraining(logger, (long)settings.ShutdownDrain.TotalMilliseconds, tracker.Count);
            try
            {
                await Task.Delay(settings.ShutdownDrain, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // the host's own deadline: close the clients now
            }
        }

        LogClosingClients(logger, tracker.Count);
        tracker.CloseAll();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: /readyz answers 503, draining for {DrainMs} ms before closing {Connections} connections")]
    private static partial void LogDraining(ILogger logger, long drainMs, int connections);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: closing {Connections} connections with 1001")]
    private static partial void LogClosingClients(ILogger logger, int connections);
}
