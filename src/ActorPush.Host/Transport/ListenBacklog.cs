using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace ActorPush.Host.Transport;

/// <summary>
/// The listen(2) backlog of Kestrel's sockets (<c>actorpush.listen-backlog</c>). Kestrel's default is 512; when
/// every client reconnects at once the kernel drops the SYNs beyond it and those clients retry a second later.
/// By default the backlog is what the kernel allows, <c>net.core.somaxconn</c> (the kernel caps any larger value
/// at it anyway).
/// </summary>
public static class ListenBacklog
{
    private const string SomaxconnPath = "/proc/sys/net/core/somaxconn";

    /// <summary>Kestrel's own default, used where the kernel's limit cannot be read.</summary>
    public const int KestrelDefault = 512;

    /// <summary>The backlog to listen with: <paramref name="configured"/>, or the kernel's limit when it is 0.</summary>
    public static int Resolve(int configured) => configured > 0 ? configured : KernelLimit() ?? KestrelDefault;

    /// <summary><c>net.core.somaxconn</c>, or null where there is no such file (not Linux) or it does not parse.</summary>
    public static int? KernelLimit()
    {
        try
        {
            return int.TryParse(File.ReadAllText(SomaxconnPath).Trim(), out var value) && value > 0 ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Configure(IServiceCollection services, int configured)
    {
        var backlog = Resolve(configured);
        services.Configure<SocketTransportOptions>(options => options.Backlog = backlog);
    }
}
