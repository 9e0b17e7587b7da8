using KestrelBaseline;
using Microsoft.AspNetCore.Http.Features;

// Baseline broadcast server on plain Kestrel (no actors): GET /im?user_id=X upgrades to a WebSocket, every
// message goes to every connection; GET /ping answers pong. Run: dotnet KestrelBaseline.dll --urls http://127.0.0.1:5001
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxConcurrentConnections = null;
    kestrel.Limits.MaxConcurrentUpgradedConnections = null;
});

var queueCapacity = int.TryParse(Environment.GetEnvironmentVariable("BASELINE_QUEUE_FRAMES"), out var q) ? q : 1024;
var slowAbortAfter = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("BASELINE_SLOW_ABORT_SECONDS"), out var s) ? s : 60);
var hub = new Hub();
var app = builder.Build();

app.MapGet("/ping", () => "pong");
app.Map("/im", async context =>
{
    var upgrade = context.Features.Get<IHttpUpgradeFeature>();
    var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
    if (upgrade is not { IsUpgradableRequest: true }
        || !context.Request.Headers.Upgrade.ToString().Equals("websocket", StringComparison.OrdinalIgnoreCase)
        || !AcceptKey.IsValidKey(key)
        || string.IsNullOrEmpty(context.Request.Query["user_id"]))
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    var accept = AcceptKey.Compute(key);
    context.Response.Headers.Upgrade = "websocket";
    context.Response.Headers.Connection = "Upgrade";
    context.Response.Headers["Sec-WebSocket-Accept"] = accept;
    var stream = await upgrade.UpgradeAsync();
    await new BroadcastConnection(stream, context.Abort, hub, queueCapacity, slowAbortAfter).RunAsync();
});

app.Run();
