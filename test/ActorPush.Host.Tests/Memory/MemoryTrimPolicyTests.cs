using ActorPush.Host.Memory;

namespace ActorPush.Host.Tests.Memory;

public sealed class MemoryTrimPolicyTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);

    // 5 s quiet period, quiet below 256 KiB/s, at least 64 MiB allocated since the last trim
    private static MemoryTrimPolicy NewPolicy() => new(Quiet, 256 * 1024, 64 * MiB);

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void After_a_burst_it_trims_once_the_process_has_been_quiet_for_the_whole_period()
    {
        var policy = NewPolicy();
        Assert.False(policy.ShouldTrim(At(0), 0));
        Assert.False(policy.ShouldTrim(At(1), 100 * MiB)); // the burst
        for (var second = 2; second < 6; second++)
            Assert.False(policy.ShouldTrim(At(second), 100 * MiB + second * 1024)); // quiet, but not 5 s yet

        Assert.True(policy.ShouldTrim(At(6), 100 * MiB + 6 * 1024));
    }

    [Fact]
    public void Without_a_burst_a_quiet_process_never_trims()
    {
        var policy = NewPolicy();
        for (var second = 0; second <= 600; second++)
            Assert.False(policy.ShouldTrim(At(second), second * 100 * 1024)); // 100 KiB/s for ten minutes: 59 MiB
    }

    [Fact]
    public void A_busy_moment_inside_the_quiet_period_starts_the_period_again()
    {
        var policy = NewPolicy();
        policy.ShouldTrim(At(0), 0);
        policy.ShouldTrim(At(1), 100 * MiB);
        policy.ShouldTrim(At(4), 100 * MiB);
        Assert.False(policy.ShouldTrim(At(5), 101 * MiB)); // 1 MiB in a second: busy again

        Assert.False(policy.ShouldTrim(At(9), 101 * MiB));
        Assert.True(policy.ShouldTrim(At(10), 101 * MiB));
    }

    [Fact]
    public void Steady_traffic_above_the_quiet_rate_never_trims()
    {
        var policy = NewPolicy();
        for (var second = 0; second <= 600; second++)
            Assert.False(policy.ShouldTrim(At(second), second * 2 * MiB));
    }

    [Fact]
    public void After_a_trim_the_next_one_needs_another_burst()
    {
        var policy = NewPolicy();
        policy.ShouldTrim(At(0), 0);
        policy.ShouldTrim(At(1), 100 * MiB);
        Assert.True(policy.ShouldTrim(At(6), 100 * MiB));
        policy.Trimmed(At(6), 100 * MiB);

        for (var second = 7; second <= 60; second++)
            Assert.False(policy.ShouldTrim(At(second), 100 * MiB)); // quiet, nothing new to give back
        Assert.False(policy.ShouldTrim(At(61), 170 * MiB)); // the next burst
        Assert.False(policy.ShouldTrim(At(65), 170 * MiB));
        Assert.True(policy.ShouldTrim(At(66), 170 * MiB));
    }
}
