using System.Globalization;

namespace ActorPush.LoadTest;

/// <summary>Reads a process's resident memory and CPU time from /proc (Linux).</summary>
public static class ProcessSampler
{
    private const double ClockTicksPerSecond = 100; // USER_HZ; 100 on every mainstream Linux build

    public static long? ReadStatusKiB(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var digits = line[(field.Length + 1)..].Trim().Split(' ')[0];
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    public static long? ReadRssKiB(int pid) => ReadStatusKiB(pid, "VmRSS");

    /// <summary>User + system CPU seconds of the process (all threads).</summary>
    public static double? ReadCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // after "pid (comm) ": state is field 0, utime field 11, stime field 12
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / ClockTicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static double OwnCpuSeconds() => Environment.CpuUsage.TotalTime.TotalSeconds;
}
