using System.Diagnostics;
using System.Net.WebSockets;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>The server as operators run it: its own process, default address, config files, SIGTERM.</summary>
public sealed class ServerProcessTests
{
    /// <summary>
    /// Checked on the built app rather than by binding 23333: a fixed port can be taken by anything else on the
    /// machine (another test run included), which would fail the test for no fault of the server.
    /// </summary>
    [Fact]
    public async Task Without_arguments_it_is_configured_for_port_23333_on_all_interfaces()
    {
        await using var app = ActorPushServer.Build([]);

        Assert.Equal("http://0.0.0.0:23333", app.Configuration["urls"]);
    }

    [Fact]
    public async Task Urls_argument_overrides_the_address()
    {
        var port = ServerProcess.FreePort();
        await using var server = ServerProcess.Start(["--urls", $"http://127.0.0.1:{port}"]);

        await server.WaitUntilServingAsync(new Uri($"http://127.0.0.1:{port}"));

        Assert.Contains($"http://127.0.0.1:{port}", server.Output);
    }

    [Fact]
    public async Task Sigterm_sends_every_client_1001_and_exits_0_within_the_shutdown_timeout()
    {
        var port = ServerProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        await using var server = ServerProcess.Start(["--urls", baseUri.ToString()]);
        await server.WaitUntilServingAsync(baseUri);
        using var alice = await ServerProcess.ConnectAsync(port, "alice");
        using var bob = await ServerProcess.ConnectAsync(port, "bob");
        await alice.SendTextAsync("hello"); // both are registered once both got it
        Assert.Equal("hello", await alice.ReceiveTextAsync());
        Assert.Equal("hello", await bob.ReceiveTextAsync());
        var stopwatch = Stopwatch.StartNew();

        server.Terminate();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await alice.ReceiveCloseAsync());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await bob.ReceiveCloseAsync());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed} (shutdown-timeout is 10 s)");
    }

    [Theory]
    [InlineData("argument")]
    [InlineData("environment")]
    public async Task An_override_file_changes_one_key_and_keeps_the_other_defaults(string how)
    {
        using var config = await TempConfigFile.WriteAsync("actorpush.max-message-size = 1 KiB");
        var port = ServerProcess.FreePort();
        string[] args = ["--urls", $"http://127.0.0.1:{port}"];
        await using var server = how == "argument"
            ? ServerProcess.Start([.. args, "--config", config.Path])
            : ServerProcess.Start(args, new Dictionary<string, string> { ["ACTORPUSH_CONFIG"] = config.Path });
        await server.WaitUntilServingAsync(new Uri($"http://127.0.0.1:{port}"));
        using var client = await ServerProcess.ConnectAsync(port, "alice");

        await client.SendAsync(new byte[1024], WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal(1024, (await client.ReceiveMessageAsync()).Payload.Length); // the limit itself still passes
        await client.SendAsync(new byte[1025], WebSocketMessageType.Binary, true, CancellationToken.None);

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.ReceiveCloseAsync());
    }

    [Theory]
    [InlineData("actorpush.client.sendqueue-limit = 5", "actorpush.client.sendqueue-limit")]
    [InlineData("actorpush.client.publish = everyone", "actorpush.client.publish")]
    [InlineData("actorpush.shutdown-timeout = soon", "actorpush.shutdown-timeout")]
    [InlineData("actorpush.io-thread-nice = 20", "actorpush.io-thread-nice")]
    public async Task A_mistyped_key_or_value_stops_the_start_with_a_message_naming_the_key(string line, string key)
    {
        using var config = await TempConfigFile.WriteAsync(line);
        await using var server = ServerProcess.Start(["--urls", $"http://127.0.0.1:{ServerProcess.FreePort()}", "--config", config.Path]);

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(key, server.Output);
    }

    [Fact]
    public async Task An_https_address_stops_the_start_with_a_message_to_terminate_TLS_in_front()
    {
        await using var server = ServerProcess.Start(["--urls", $"https://127.0.0.1:{ServerProcess.FreePort()}"]);

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("terminate TLS in front", server.Output);
    }

    [Theory]
    [InlineData("--urls=http://127.0.0.1:0;https://127.0.0.1:0", "urls", "terminate TLS in front")]
    [InlineData("--Kestrel:Endpoints:Secure:Url=https://127.0.0.1:0", "Kestrel:Endpoints:Secure:Url", "terminate TLS in front")]
    [InlineData("--urls=http://unix:/tmp/actorpush.sock", "urls", "TCP addresses only")]
    [InlineData("--Kestrel:Endpoints:Local:Url=http://unix:/tmp/actorpush.sock", "Kestrel:Endpoints:Local:Url", "TCP addresses only")]
    public void An_address_it_cannot_serve_https_or_a_Unix_socket_is_refused_naming_where_it_came_from(string argument, string source, string says)
    {
        var error = Assert.Throws<ActorPush.Actors.Settings.ActorPushConfigException>(() => ActorPushServer.Build([argument]));

        Assert.Equal(source, error.Key);
        Assert.Contains(says, error.Message);
    }
}
