using System;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Flow;

/// <summary>The token bucket and the bounded replay memory on their own, with a manual clock.</summary>
[TestFixture]
public sealed class RateAndReplayTests
{
    [Test]
    public void BucketAllowsTheBurstThenTheRate()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(10, 5, clock);
        for (int i = 0; i < 5; i++)
        {
            Assert.That(bucket.TryTake(), Is.True, $"burst token {i}");
        }

        Assert.That(bucket.TryTake(), Is.False);
        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.That(bucket.TryTake(), Is.False, "less than one token refilled");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(bucket.TryTake(), Is.True, "one token after 100 ms at 10/s");
        Assert.That(bucket.TryTake(), Is.False);

        // A long pause refills to the burst, not beyond.
        clock.Advance(TimeSpan.FromHours(1));
        for (int i = 0; i < 5; i++)
        {
            Assert.That(bucket.TryTake(), Is.True);
        }

        Assert.That(bucket.TryTake(), Is.False);
    }

    [Test]
    public void BucketRejectsNonsense()
    {
        var clock = new ManualTimeProvider();
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TokenBucket(0, 5, clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TokenBucket(double.NaN, 5, clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TokenBucket(double.PositiveInfinity, 5, clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TokenBucket(10, 0, clock));
    }

    [Test]
    public void ReplayGuardRemembersABoundedNumberOfIds()
    {
        var guard = new ReplayGuard(3);
        Assert.That(guard.TryRecord("a"), Is.True);
        Assert.That(guard.TryRecord("a"), Is.False);
        Assert.That(guard.TryRecord("b"), Is.True);
        Assert.That(guard.TryRecord("c"), Is.True);
        Assert.That(guard.TryRecord("d"), Is.True, "evicts the oldest, a");
        Assert.That(guard.TryRecord("b"), Is.False, "b is still remembered");
        Assert.That(guard.TryRecord("a"), Is.True, "a was forgotten");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReplayGuard(0));
    }
}
