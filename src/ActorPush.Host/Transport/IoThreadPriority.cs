using System.Runtime.InteropServices;

namespace ActorPush.Host.Transport;

/// <summary>
/// <c>actorpush.io-thread-nice</c>: the runtime's socket engine threads (".NET Sockets", which wait in
/// <c>epoll_wait</c> and, with inline I/O, run the completions they see) get this nice value, the rest of the process
/// keeps its own. At the default priority each socket event wakes such a thread, and on a busy core the wake-up
/// preempts the worker running an actor or a handshake: one context switch, and often a second one back, per event
/// (a reconnect storm: about 0.7 wake-ups per connect, and context switches were the largest kernel cost left in
/// its profile). At a lower priority a woken engine thread waits for the worker's turn to end, and then handles the
/// events that gathered meanwhile in one pass. Linux only; 0 leaves the threads alone (docs/performance.md).
/// </summary>
internal static partial class IoThreadPriority
{
    /// <summary>The name the runtime gives its socket engine threads (as <c>/proc/self/task/*/comm</c> shows it).</summary>
    public const string EngineThreadName = ".NET Sockets";

    private const int PrioProcess = 0; // setpriority(2): with a thread id, that thread alone (Linux)

    /// <summary>
    /// Gives every socket engine thread of this process the nice value <paramref name="nice"/>. Call once the server
    /// listens: the engines exist from the first asynchronous socket operation (Kestrel's first accept) on, and the
    /// runtime makes no more of them later. A thread they start inherits the value (Linux threads do), but the thread
    /// pool's workers were not among those: after a storm of 2,000 connects at nice 10 every worker was still at the
    /// process's own value (the test checks every thread after a round trip).
    /// </summary>
    public static void Apply(int nice, ILogger logger)
    {
        if (nice == 0 || !OperatingSystem.IsLinux())
            return;
        var set = 0;
        foreach (var tid in EngineThreads())
        {
            if (setpriority(PrioProcess, tid, nice) == 0)
                set++;
            else
                LogNotSet(logger, tid, nice, Marshal.GetLastPInvokeErrorMessage());
        }

        if (set == 0)
            LogNoEngine(logger);
        else
            LogSet(logger, set, nice);
    }

    /// <summary>Thread ids of this process's socket engine threads.</summary>
    private static IEnumerable<int> EngineThreads()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string name;
            try
            {
                name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            if (name == EngineThreadName && int.TryParse(Path.GetFileName(task), out var tid))
                yield return tid;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [LoggerMessage(Level = LogLevel.Information, Message = "actorpush.io-thread-nice: {Count} socket engine thread(s) at nice {Nice}")]
    private static partial void LogSet(ILogger logger, int count, int nice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "actorpush.io-thread-nice: could not give socket engine thread {ThreadId} nice {Nice}: {Error}")]
    private static partial void LogNotSet(ILogger logger, int threadId, int nice, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "actorpush.io-thread-nice: no socket engine thread found, nothing set")]
    private static partial void LogNoEngine(ILogger logger);
}
