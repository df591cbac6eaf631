using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// (d) What a C# user would write without this library: DTOs shaped like serde's externally tagged enums and
/// System.Text.Json source generation. Only what the round trip needs (Request in, Decision(Granted) out).
/// </summary>
internal static class SocketJson
{
    public static readonly RequestEnvelope SampleRequest = new()
    {
        Request = new RequestBody
        {
            RequestId = "req-001",
            Path = "/tmp/test",
            Access = "Read",
            Reason = "test access",
            ChildPid = 12345,
            SessionId = "sess-001",
        },
    };

    public static DecisionEnvelope Grant(string requestId) =>
        new() { Decision = new DecisionBody { RequestId = requestId, Decision = "Granted" } };

    public static byte[] EncodeRequest(RequestEnvelope request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, SocketJsonContext.Default.RequestEnvelope);

    public static byte[] EncodeDecision(DecisionEnvelope decision) =>
        JsonSerializer.SerializeToUtf8Bytes(decision, SocketJsonContext.Default.DecisionEnvelope);

    /// <summary>Serializes into a reused writer, as a careful user would, rather than a new array per message.</summary>
    public static void Write<T>(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, value, typeInfo);
        writer.Flush();
    }
}

internal sealed class RequestEnvelope
{
    [JsonPropertyName("Request")]
    public RequestBody? Request { get; set; }
}

internal sealed class RequestBody
{
    public string RequestId { get; set; } = "";

    public string Path { get; set; } = "";

    public string Access { get; set; } = "";

    public string? Reason { get; set; }

    public uint ChildPid { get; set; }

    public string SessionId { get; set; } = "";
}

internal sealed class DecisionEnvelope
{
    [JsonPropertyName("Decision")]
    public DecisionBody? Decision { get; set; }
}

internal sealed class DecisionBody
{
    public string RequestId { get; set; } = "";

    public string Decision { get; set; } = "";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RequestEnvelope))]
[JsonSerializable(typeof(DecisionEnvelope))]
internal sealed partial class SocketJsonContext : JsonSerializerContext
{
}
