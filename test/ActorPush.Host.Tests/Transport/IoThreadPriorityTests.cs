using System.Globalization;
using ActorPush.Host.Tests.Infrastructure;
using ActorPush.Host.Transport;

namespace ActorPush.Host.Tests.Transport;

/// <summary>
/// <c>actorpush.io-thread-nice</c> in a server process of its own (a nice value is per thread, and the test process's
/// own sockets share its engine threads): the socket engine threads get the configured value once the server
/// listens, and every other thread keeps the priority the process started with.
/// </summary>
public sealed class IoThreadPriorityTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(0)]
    public async Task The_socket_engine_threads_get_the_configured_nice_value_and_no_other_thread_does(int nice)
    {
        using var config = await TempConfigFile.WriteAsync($"actorpush.io-thread-nice = {nice}");
        var port = ServerProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        await using var server = ServerProcess.Start(["--urls", baseUri.ToString(), "--config", config.Path]);
        await server.WaitUntilServingAsync(baseUri);
        using var client = await ServerProcess.ConnectAsync(port, "alice");
        await client.SendTextAsync("hello");
        Assert.Equal("hello", await client.ReceiveTextAsync());
        if (nice != 0)
            await Eventually.HoldsAsync(() => server.Output.Contains("socket engine thread(s) at nice", StringComparison.Ordinal), "the server to set its engine threads");

        var threads = Threads(server.Id);
        var started = threads.Single(t => t.Id == server.Id).Nice; // the main thread: what the process started with
        var engines = threads.Where(t => t.Name == IoThreadPriority.EngineThreadName).ToList();
        Assert.NotEmpty(engines);
        Assert.All(engines, t => Assert.Equal(nice == 0 ? started : nice, t.Nice));
        Assert.All(threads.Except(engines), t => Assert.Equal(started, t.Nice));
    }

    /// <summary>Id, name and nice value of each thread of process <paramref name="pid"/> (<c>/proc/PID/task/TID/stat</c>: the nice value is field 19).</summary>
    private static List<(int Id, string Name, int Nice)> Threads(int pid)
    {
        var threads = new List<(int, string, int)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')'); // the name may hold spaces and parentheses
            var fields = stat[(close + 2)..].Split(' '); // field 3 (state) on
            threads.Add((int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture), stat[(open + 1)..close], int.Parse(fields[19 - 3], CultureInfo.InvariantCulture)));
        }

        return threads;
    }
}
