using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PeeringAutomation.Core.Ledger;

/// <summary>
/// A hash of what was asked: the request detail with its keys sorted (so formatting and key order do
/// not matter) and the asking account. A duplicate delivery has the same fingerprint; a reused
/// request id with other content does not.
/// </summary>
public static class RequestFingerprint
{
    public static string Of(JsonElement detail, string askingAccount)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("account", askingAccount);
            writer.WritePropertyName("detail");
            WriteCanonical(writer, detail);
            writer.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>The fingerprint of a record made by the automation itself (auto-accept): its origin, hashed.</summary>
    public static string Of(string origin) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(origin)));
}
