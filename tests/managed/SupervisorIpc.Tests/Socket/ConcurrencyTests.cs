using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class ConcurrencyTests
{
    private const int Senders = 4;
    private const int FramesPerSender = 150;

    /// <summary>Payload: sender id, sequence number, then a pattern derived from both, of a varying (often large) length.</summary>
    private static byte[] Payload(int sender, int sequence)
    {
        int length = 8 + ((sender * 7919) + (sequence * 104729)) % 40000;
        byte[] payload = new byte[length];
        BinaryPrimitives.WriteInt32LittleEndian(payload, sender);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), sequence);
        for (int i = 8; i < length; i++)
        {
            payload[i] = (byte)(sender ^ sequence ^ i);
        }

        return payload;
    }

    [Test]
    public void Concurrent_senders_never_interleave_and_each_sender_stays_in_order()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var senders = Enumerable.Range(0, Senders).Select(sender => Task.Run(() =>
            {
                for (int sequence = 0; sequence < FramesPerSender; sequence++)
                {
                    child.SendFrame(Payload(sender, sequence));
                }
            })).ToArray();

            var next = new int[Senders];
            byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
            for (int received = 0; received < Senders * FramesPerSender; received++)
            {
                int length = supervisor.ReceiveFrame(buffer);
                int sender = BinaryPrimitives.ReadInt32LittleEndian(buffer);
                int sequence = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4));
                Assert.That(sender, Is.InRange(0, Senders - 1), $"frame {received} is corrupt");
                Assert.That(sequence, Is.EqualTo(next[sender]), $"sender {sender} out of order");
                Assert.That(buffer.AsSpan(0, length).SequenceEqual(Payload(sender, sequence)), Is.True, $"frame {sender}/{sequence} is not intact");
                next[sender]++;
            }

            Task.WaitAll(senders, TimeSpan.FromSeconds(60));
            Assert.That(next, Is.All.EqualTo(FramesPerSender));
        }
    }

    [Test]
    public void Concurrent_receivers_each_get_whole_frames_and_together_get_all()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var receivers = Enumerable.Range(0, Senders).Select(_ => Task.Run(() =>
            {
                var got = new List<(int Sender, int Sequence)>();
                byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
                for (int i = 0; i < FramesPerSender; i++)
                {
                    int length = child.ReceiveFrame(buffer);
                    int sender = BinaryPrimitives.ReadInt32LittleEndian(buffer);
                    int sequence = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4));
                    if (!buffer.AsSpan(0, length).SequenceEqual(Payload(sender, sequence)))
                    {
                        throw new InvalidOperationException($"frame {sender}/{sequence} is not intact");
                    }

                    got.Add((sender, sequence));
                }

                return got;
            })).ToArray();

            for (int i = 0; i < Senders * FramesPerSender; i++)
            {
                supervisor.SendFrame(Payload(0, i));
            }

            Assert.That(Task.WaitAll(receivers, TimeSpan.FromSeconds(60)), Is.True);
            var all = receivers.SelectMany(r => r.Result).Select(f => f.Sequence).OrderBy(s => s).ToArray();
            Assert.That(all, Is.EqualTo(Enumerable.Range(0, Senders * FramesPerSender).ToArray()));
        }
    }

    [Test]
    public void Both_directions_run_at_once_without_deadlock()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            // Each side sends far more than a socket buffer holds while the other side is also sending,
            // so this completes only if a receive on one thread proceeds while a send blocks on another.
            Task Pump(SupervisorSocket socket, int id) => Task.WhenAll(
                Task.Run(() =>
                {
                    for (int i = 0; i < FramesPerSender; i++)
                    {
                        socket.SendFrame(Payload(id, i));
                    }
                }),
                Task.Run(() =>
                {
                    byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
                    for (int i = 0; i < FramesPerSender; i++)
                    {
                        int length = socket.ReceiveFrame(buffer);
                        if (!buffer.AsSpan(0, length).SequenceEqual(Payload(1 - id, i)))
                        {
                            throw new InvalidOperationException($"frame {i} to {id} is not intact");
                        }
                    }
                }));

            Task both = Task.WhenAll(Pump(supervisor, 0), Pump(child, 1));
            Assert.That(both.Wait(TimeSpan.FromSeconds(60)), Is.True, "full-duplex exchange did not finish");
        }
    }
}
