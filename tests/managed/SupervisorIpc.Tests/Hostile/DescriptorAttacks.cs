using System;
using System.Collections.Generic;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// Descriptors where the protocol does not allow them, written by a raw peer around the reference Request frame:
/// attached to frame bytes, several in one carrier, more than the library's control buffer (MSG_CTRUNC), a carrier
/// in the middle of a frame, a carrier whose byte is not 0 or that is two bytes long. The same list as the C
/// suite's test_fd_attacks.c. <c>MetByDescriptorReceive</c>: the descriptors come on a lone byte where a frame
/// starts, so a descriptor receive meets them at once; Linux pins descriptors to the last byte of the read that
/// brought them, so every other attack has frame data in front of them (the descriptor receive answers "no
/// descriptor" and the frame receive then meets the attack).
/// </summary>
public sealed record DescriptorAttack(string Name, int DescriptorCount, bool MetByDescriptorReceive, Action<RawPeer, int[]> Write)
{
    public override string ToString() => Name;

    public static IEnumerable<DescriptorAttack> All()
    {
        yield return new("descriptor on a whole frame", 1, false, (peer, fds) => peer.WriteWithDescriptors(Frame, fds));
        yield return new("descriptor on the prefix only", 1, false, (peer, fds) =>
        {
            peer.WriteWithDescriptors(Frame.AsSpan(0, 4), fds);
            peer.Write(Frame.AsSpan(4));
        });
        yield return new("descriptor on the prefix tail", 1, false, (peer, fds) =>
        {
            peer.Write(Frame.AsSpan(0, 1));
            peer.WriteWithDescriptors(Frame.AsSpan(1), fds);
        });
        yield return new("descriptor on the payload", 1, false, (peer, fds) =>
        {
            peer.Write(Frame.AsSpan(0, 4));
            peer.WriteWithDescriptors(Frame.AsSpan(4), fds);
        });
        yield return new("descriptor on the last payload byte", 1, false, (peer, fds) =>
        {
            peer.Write(Frame.AsSpan(0, Frame.Length - 1));
            peer.WriteWithDescriptors(Frame.AsSpan(Frame.Length - 1), fds);
        });
        yield return new("three descriptors on the payload", 3, false, (peer, fds) =>
        {
            peer.Write(Frame.AsSpan(0, 4));
            peer.WriteWithDescriptors(Frame.AsSpan(4), fds);
        });
        yield return new("carrier in the middle of the payload", 1, false, (peer, fds) =>
        {
            peer.Write(Frame.AsSpan(0, Frame.Length / 2));
            peer.WriteWithDescriptors([0], fds);
            peer.Write(Frame.AsSpan(Frame.Length / 2));
        });
        yield return new("carrier in the middle of the prefix", 1, false, (peer, fds) =>
        {
            peer.Write(Frame.AsSpan(0, 2));
            peer.WriteWithDescriptors([0], fds);
            peer.Write(Frame.AsSpan(2));
        });
        yield return new("carrier byte 1", 1, true, (peer, fds) => peer.WriteWithDescriptors([1], fds));
        yield return new("carrier byte 0xFF", 1, true, (peer, fds) => peer.WriteWithDescriptors([0xFF], fds));
        yield return new("carrier of two bytes", 1, false, (peer, fds) => peer.WriteWithDescriptors([0, 0], fds));
        yield return new("carrier with two descriptors", 2, true, (peer, fds) => peer.WriteWithDescriptors([0], fds));
        yield return new("carrier with three descriptors", 3, true, (peer, fds) => peer.WriteWithDescriptors([0], fds));
        yield return new("carrier with 64 descriptors (MSG_CTRUNC)", 64, true, (peer, fds) => peer.WriteWithDescriptors([0], fds));
        yield return new("carrier with 253 descriptors (MSG_CTRUNC)", 253, true, (peer, fds) => peer.WriteWithDescriptors([0], fds));
    }

    /// <summary>The reference Request frame the attacks are built around.</summary>
    public static byte[] Frame => HostileSupport.Frame(HostileSupport.RequestPayload);
}
