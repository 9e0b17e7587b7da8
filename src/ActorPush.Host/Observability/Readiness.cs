namespace ActorPush.Host.Observability;

/// <summary>
/// Whether this node should get new traffic (<c>GET /readyz</c>): the host has started, nothing registered with
/// <see cref="Require"/> says otherwise, and shutdown has not begun (from its first moment, before the drain,
/// <see cref="ShutdownDrain"/>). Other parts add their own conditions, e.g. the cluster code:
/// <c>services.GetRequiredService&lt;Readiness&gt;().Require("cluster joined", () =&gt; joined)</c>.
/// </summary>
internal sealed class Readiness
{
    private readonly List<(string What, Func<bool> Holds)> _conditions = []; // guarded by locking it
    private volatile bool _started;
    private volatile bool _stopping;

    public Readiness(IHostApplicationLifetime lifetime)
    {
        lifetime.ApplicationStarted.Register(static state => ((Readiness)state!)._started = true, this);
        lifetime.ApplicationStopping.Register(static state => ((Readiness)state!).Stopping(), this);
    }

    /// <summary>Adds a condition the node must meet to be ready; <paramref name="what"/> names it in the 503 text.</summary>
    public void Require(string what, Func<bool> holds)
    {
        lock (_conditions)
            _conditions.Add((what, holds));
    }

    /// <summary>Shutdown has begun: not ready from now on.</summary>
    public void Stopping() => _stopping = true;

    public bool IsStopping => _stopping;

    /// <summary>Null when ready, else why not.</summary>
    public string? NotReadyBecause()
    {
        if (_stopping)
            return "shutting down";
        if (!_started)
            return "starting";
        lock (_conditions)
        {
            foreach (var (what, holds) in _conditions)
            {
                if (!holds())
                    return "waiting for: " + what;
            }
        }

        return null;
    }
}
