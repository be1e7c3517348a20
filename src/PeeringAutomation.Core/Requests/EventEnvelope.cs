using System.Text.Json;

namespace PeeringAutomation.Core.Requests;

/// <summary>
/// The parts of an EventBridge envelope that say who asked and when. EventBridge writes
/// <c>account</c> from the caller's credentials; it is the one field of a request no sender can forge.
/// </summary>
public sealed record EventEnvelope(string? Id, string? Account, string? Time)
{
    public static EventEnvelope Of(JsonElement envelope) => new(Text(envelope, "id"), Text(envelope, "account"), Text(envelope, "time"));

    /// <summary>The envelope's <c>detail</c>, or an undefined element when it has none.</summary>
    public static JsonElement DetailOf(JsonElement envelope) =>
        envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty("detail", out var detail) ? detail : default;

    private static string? Text(JsonElement envelope, string name) =>
        envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
