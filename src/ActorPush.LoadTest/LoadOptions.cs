using System.Globalization;
using System.Net;

namespace ActorPush.LoadTest;

/// <summary>Everything a run is told on the command line, with defaults for a modest fan-out.</summary>
public sealed class LoadOptions
{
    public Scenario Scenario { get; private set; } = Scenario.Fanout;
    public TargetEndpoint Target { get; private set; } = TargetEndpoint.Parse("ws://127.0.0.1:5000/im");
    public IPAddress[] Sources { get; private set; } = [IPAddress.Loopback];
    public int Clients { get; private set; } = 100;
    public int Senders { get; private set; } = 1;
    public int Messages { get; private set; } = 100;
    public int PayloadBytes { get; private set; } = 64;
    public double Rate { get; private set; }
    public int Window { get; private set; } = 8;
    public double ConnectRate { get; private set; } = 2000;
    public int ConnectConcurrency { get; private set; } = 128;
    public TimeSpan ConnectTimeout { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Hold { get; private set; } = TimeSpan.FromSeconds(5);
    public int ChurnPool { get; private set; } = 100;
    public double ChurnRate { get; private set; } = 50;
    public double SlowShare { get; private set; } = 0.1;
    public int SlowSocketBuffer { get; private set; } = 4096;
    public TimeSpan SlowDrain { get; private set; } = TimeSpan.FromSeconds(15);
    public int? ExpectSlowClose { get; private set; }
    public TimeSpan DrainTimeout { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(300);
    public int ReceiveBuffer { get; private set; } = 4096;
    public int? ServerPid { get; private set; }
    public string Label { get; private set; } = "server";
    public string? JsonPath { get; private set; }
    public bool Quiet { get; private set; }

    public const string Usage = """
        ActorPush.LoadTest — WebSocket load for any server speaking GET /im?user_id=X (broadcast to all).

        usage: ActorPush.LoadTest [fanout|idle|churn|slow] [options]

          --url ws://127.0.0.1:5000/im   target (127.0.0.0/8 only; path defaults to /im)
          --clients N                     connections to open (default 100)
          --source 127.0.0.1,127.0.0.2    source addresses, used round-robin (~28k ports each)
          --connect-rate R                new connections per second, cap (default 2000)
          --connect-concurrency C         handshakes in flight, cap (default 128)
          --connect-timeout S             seconds per connection attempt (default 10)
          --senders S                     publishing clients (default 1)
          --messages M                    messages per sender (default 100)
          --size B                        payload bytes, >= 38 (default 64)
          --rate R                        total messages/s over all senders (0 = window mode, default)
          --window W                      messages in flight per sender, window mode (default 8)
          --hold S                        idle: seconds to hold the connections (default 5)
          --churn-pool P                  churn: clients coming and going (default 100)
          --churn-rate R                  churn: replacements per second (default 50)
          --slow-share F                  slow: share of clients that stop reading (default 0.1)
          --slow-socket-buffer B          slow: SO_RCVBUF of the slow clients (default 4096)
          --slow-drain S                  slow: seconds the slow clients get to see their close (default 15)
          --expect-slow-close CODE        slow: fail unless every slow client got this close code
          --drain-timeout S               give up after S seconds without a delivery (default 10)
          --timeout S                     hard limit for the whole run (default 300)
          --recv-buffer B                 receive buffer per client (default 4096)
          --server-pid PID                sample the server's RSS and CPU time from /proc
          --label NAME                    name of the server in the report (default "server")
          --json PATH|-                   also write the report as JSON (- = stdout, table goes to stderr)
          --quiet                         no live progress line

        Exit code: 0 ok, 1 deliveries missing/duplicated/out of order (or connections failed), 2 usage.
        """;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        var i = 0;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            options.Scenario = ParseScenario(args[0]);
            i = 1;
        }

        for (; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--quiet")
            {
                options.Quiet = true;
                continue;
            }

            if (name is "-h" or "--help")
            {
                throw new UsageException(null);
            }

            if (i + 1 >= args.Length)
            {
                throw new UsageException($"{name} needs a value");
            }

            var value = args[++i];
            switch (name)
            {
                case "--scenario": options.Scenario = ParseScenario(value); break;
                case "--url": options.Target = TargetEndpoint.Parse(value); break;
                case "--source": options.Sources = LoopbackGuard.ParseSources(value); break;
                case "--clients": options.Clients = Int(value, name, 1, 1_000_000); break;
                case "--senders": options.Senders = Int(value, name, 0, 100_000); break;
                case "--messages": options.Messages = Int(value, name, 0, 100_000_000); break;
                case "--size": options.PayloadBytes = Int(value, name, MessagePayload.MinimumSize, 1 << 20); break;
                case "--rate": options.Rate = Double(value, name, 0, 1e9); break;
                case "--window": options.Window = Int(value, name, 1, 1_000_000); break;
                case "--connect-rate": options.ConnectRate = Double(value, name, 1, 1e7); break;
                case "--connect-concurrency": options.ConnectConcurrency = Int(value, name, 1, 100_000); break;
                case "--connect-timeout": options.ConnectTimeout = Seconds(value, name); break;
                case "--hold": options.Hold = Seconds(value, name); break;
                case "--churn-pool": options.ChurnPool = Int(value, name, 1, 100_000); break;
                case "--churn-rate": options.ChurnRate = Double(value, name, 0.1, 100_000); break;
                case "--slow-share": options.SlowShare = Double(value, name, 0, 0.9); break;
                case "--slow-socket-buffer": options.SlowSocketBuffer = Int(value, name, 256, 1 << 26); break;
                case "--slow-drain": options.SlowDrain = Seconds(value, name); break;
                case "--expect-slow-close": options.ExpectSlowClose = Int(value, name, 1000, 4999); break;
                case "--drain-timeout": options.DrainTimeout = Seconds(value, name); break;
                case "--timeout": options.Timeout = Seconds(value, name); break;
                case "--recv-buffer": options.ReceiveBuffer = Int(value, name, 512, 1 << 24); break;
                case "--server-pid": options.ServerPid = Int(value, name, 1, int.MaxValue); break;
                case "--label": options.Label = value; break;
                case "--json": options.JsonPath = value; break;
                default: throw new UsageException($"unknown option {name}");
            }
        }

        if (options.Scenario is Scenario.Fanout or Scenario.Churn or Scenario.Slow && options.Senders < 1)
        {
            throw new UsageException("this scenario needs --senders >= 1");
        }

        if (options.Senders > options.Clients)
        {
            throw new UsageException("--senders cannot exceed --clients");
        }

        if (options.Scenario == Scenario.Slow && options.Clients - (int)Math.Round(options.Clients * options.SlowShare) < options.Senders)
        {
            throw new UsageException("slow: not enough fast clients for the senders");
        }

        var trackedBits = (double)(options.Clients + (options.Scenario == Scenario.Churn ? options.ChurnPool * 4 : 0))
            * options.Senders * options.Messages;
        if (trackedBits / 8 > 1L << 30)
        {
            throw new UsageException("clients x senders x messages too large to track (over 1 GiB of bitmaps)");
        }

        return options;
    }

    private static Scenario ParseScenario(string value) => value.ToLowerInvariant() switch
    {
        "fanout" => Scenario.Fanout,
        "idle" => Scenario.Idle,
        "churn" => Scenario.Churn,
        "slow" => Scenario.Slow,
        _ => throw new UsageException($"unknown scenario '{value}' (fanout, idle, churn, slow)"),
    };

    private static int Int(string value, string name, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new UsageException($"{name} must be an integer in [{min}, {max}]");
        }

        return n;
    }

    private static double Double(string value, string name, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new UsageException($"{name} must be a number in [{min}, {max}]");
        }

        return n;
    }

    private static TimeSpan Seconds(string value, string name) => TimeSpan.FromSeconds(Double(value, name, 0, 86_400));
}
