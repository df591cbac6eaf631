using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using NUnit.Framework;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Tests.Transport;

/// <summary>
/// Every struct the generator emits (from supervisor_ipc.h and supervisor_ipc_messages.h, unions included) has the
/// size the C compiler gave it, so a field the generator mislaid cannot pass unnoticed.
/// </summary>
[TestFixture]
public sealed class GeneratedLayoutTests
{
    private static Type[] GeneratedStructs() =>
        typeof(NativeMethods).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(NativeMethods).Namespace && t.IsValueType && !t.IsEnum &&
                        t.GetField("NativeSize", BindingFlags.NonPublic | BindingFlags.Static) is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();

    [TestCaseSource(nameof(GeneratedStructs))]
    public void The_managed_size_is_the_C_size(Type structType)
    {
        int nativeSize = (int)structType.GetField("NativeSize", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        int managedSize = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(structType).Invoke(null, null)!;
        Assert.That(managedSize, Is.EqualTo(nativeSize));
    }

    [Test]
    public void The_typed_message_header_is_covered()
    {
        string[] names = GeneratedStructs().Select(t => t.Name).ToArray();
        Assert.That(names, Is.SupersetOf(new[] { "SvipcString", "SvipcMessage", "SvipcMessageAs", "SvipcResponse", "SvipcResponseAs", "SvipcDecision", "SvipcFormatError" }));
        Assert.That(typeof(SvipcMessageAs).StructLayoutAttribute!.Value, Is.EqualTo(System.Runtime.InteropServices.LayoutKind.Explicit));
    }

    [Test]
    public unsafe void A_union_member_written_through_the_bindings_is_read_by_the_C_encoder()
    {
        byte[] id = "r1"u8.ToArray(), path = "/p"u8.ToArray(), session = "s"u8.ToArray();
        byte[] output = new byte[256];
        uint length = 0;
        fixed (byte* idBytes = id)
        fixed (byte* pathBytes = path)
        fixed (byte* sessionBytes = session)
        fixed (byte* buffer = output)
        {
            SvipcMessage message = default;
            message.Kind = NativeMethods.MessageRequest;
            message.As.Request = new SvipcCapabilityRequest
            {
                RequestId = new SvipcString { Data = idBytes, Length = 2 },
                Path = new SvipcString { Data = pathBytes, Length = 2 },
                Access = NativeMethods.AccessRead,
                ChildPid = 7,
                SessionId = new SvipcString { Data = sessionBytes, Length = 1 },
            };
            Assert.That(NativeMethods.EncodeMessage(&message, buffer, (uint)output.Length, &length), Is.EqualTo(SvipcStatus.Ok));
        }

        byte[] expected = SupervisorWireCodec.Encode(new SupervisorMessage.Request(
            new CapabilityRequest("r1", "/p", AccessMode.Read, null, 7, "s")));
        Assert.That(output.AsSpan(0, (int)length).ToArray(), Is.EqualTo(expected));
    }
}
