using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeeringAutomation.Core.Model;

/// <summary>Writes a validated identifier as its string and refuses to read an invalid one.</summary>
public sealed class IdentifierJsonConverter<T> : JsonConverter<T> where T : struct, IIdentifier<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Identifier.TryParse<T>(reader.GetString(), out var id, out var error) ? id.Value : throw new JsonException(error);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}

/// <summary>Writes a CIDR block as its canonical string.</summary>
public sealed class CidrJsonConverter : JsonConverter<Cidr>
{
    public override Cidr Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Cidr.TryParse(reader.GetString(), out var cidr, out var error) ? cidr : throw new JsonException(error);

    public override void Write(Utf8JsonWriter writer, Cidr value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
