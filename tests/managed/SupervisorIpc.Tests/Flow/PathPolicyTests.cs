using System;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Flow;

/// <summary>Roots and access modes, compared component by component after normalization.</summary>
[TestFixture]
public sealed class PathPolicyTests
{
    [TestCase("/a/b/c", "/a/b/c")]
    [TestCase("/a//b/./c/", "/a/b/c")]
    [TestCase("/a/b/../c", "/a/c")]
    [TestCase("/../../a", "/a")]
    [TestCase("/", "/")]
    public void NormalizesAbsolutePaths(string path, string expected) =>
        Assert.That(PathPolicy.Normalize(path), Is.EqualTo(expected));

    [TestCase("")]
    [TestCase("relative/path")]
    [TestCase("./a")]
    [TestCase("/a\0b")]
    public void RefusesWhatIsNotAnAbsolutePath(string path) => Assert.That(PathPolicy.Normalize(path), Is.Null);

    [TestCase("/data/app", "/data/app", true)]
    [TestCase("/data/app/x/y", "/data/app", true)]
    [TestCase("/data/application", "/data/app", false)]
    [TestCase("/data/app-evil/x", "/data/app", false)]
    [TestCase("/data", "/data/app", false)]
    [TestCase("/anything", "/", true)]
    public void ComparesComponentWise(string path, string root, bool within) =>
        Assert.That(PathPolicy.IsWithin(path, root), Is.EqualTo(within));

    [Test]
    public void FindsTheRuleThatCoversTheAccess()
    {
        var policy = new PathPolicy([new PathRule("/data/read", AccessMode.Read), new PathRule("/data/both/", AccessMode.ReadWrite)]);
        Assert.Multiple(() =>
        {
            Assert.That(policy.TryFindRule("/data/read/file", AccessMode.Read, out PathRule? rule), Is.True);
            Assert.That(rule!.Root, Is.EqualTo("/data/read"));
            Assert.That(policy.TryFindRule("/data/read/file", AccessMode.Write, out _), Is.False);
            Assert.That(policy.TryFindRule("/data/read/file", AccessMode.ReadWrite, out _), Is.False);
            Assert.That(policy.TryFindRule("/data/both/file", AccessMode.Write, out _), Is.True);
            Assert.That(policy.TryFindRule("/data/both/file", AccessMode.ReadWrite, out _), Is.True);
            Assert.That(policy.TryFindRule("/data/read/../both/x", AccessMode.Write, out _), Is.True);
            Assert.That(policy.TryFindRule("/data/read/../secret", AccessMode.Read, out _), Is.False);
            Assert.That(policy.TryFindRule("/data/readme", AccessMode.Read, out _), Is.False);
            Assert.That(policy.TryFindRule("data/read/file", AccessMode.Read, out _), Is.False);
            Assert.That(policy.RootsFor(AccessMode.Read), Is.EquivalentTo(new[] { "/data/read", "/data/both" }));
            Assert.That(policy.RootsFor(AccessMode.Write), Is.EquivalentTo(new[] { "/data/both" }));
        });
    }

    [Test]
    public void RuleRootMustBeAbsolute() =>
        Assert.Throws<ArgumentException>(() => _ = new PathRule("relative", AccessMode.Read));

    [Test]
    public void PolicyBackendExplainsDenials()
    {
        var backend = new PolicyApprovalBackend(new PathRule("/data", AccessMode.Read));
        ApprovalDecision Decide(string path, AccessMode access) => backend.DecideAsync(
            new ApprovalRequest(new CapabilityRequest("r", path, access, null, 1, "s"), null), default).AsTask().Result;
        Assert.Multiple(() =>
        {
            Assert.That(Decide("/data/x", AccessMode.Read), Is.EqualTo(ApprovalDecision.Granted.Instance));
            Assert.That(Decide("/data/x", AccessMode.Write), Is.EqualTo(new ApprovalDecision.Denied("Write access is not allowed for this path")));
            Assert.That(Decide("/etc/passwd", AccessMode.Read), Is.EqualTo(new ApprovalDecision.Denied("the path is outside the allowed roots")));
            Assert.That(Decide("data/x", AccessMode.Read), Is.EqualTo(new ApprovalDecision.Denied("the path must be absolute")));
        });
    }
}
