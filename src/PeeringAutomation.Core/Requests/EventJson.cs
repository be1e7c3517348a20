using System.Buffers;
using System.Text;
using System.Text.Json;

namespace PeeringAutomation.Core.Requests;

/// <summary>
/// Reads a handler's input (an event, as EventBridge delivers it) into a document in time linear in
/// its size. <see cref="JsonDocument"/>'s own parse takes time quadratic in the nesting depth: the
/// deepest event EventBridge carries (256 KB of nested arrays, about 131,000 levels) cost seconds of
/// CPU per invocation, which any account that may put events could make us pay. No event needs more
/// than a few levels, so an input nested deeper than <see cref="KeptDepth"/> is first cut: every
/// container below that depth becomes empty. What is left is still deeper than
/// <see cref="RequestParser.MaxDepth"/>, so the parser refuses it as before, while the envelope
/// (id, account, the detail's top fields) stays whole for the rejection.
/// </summary>
public static class EventJson
{
    /// <summary>Levels kept as they are; deeper containers are emptied. Well above <see cref="RequestParser.MaxDepth"/>.</summary>
    public const int KeptDepth = 2 * RequestParser.MaxDepth;

    public static async Task<JsonDocument> ParseAsync(Stream input, CancellationToken ct = default)
    {
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, ct);
        return Parse(buffer.ToArray());
    }

    public static JsonDocument Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>Throws <see cref="JsonException"/> for text that is not JSON, as <see cref="JsonDocument"/> does.</summary>
    public static JsonDocument Parse(byte[] utf8) =>
        JsonDocument.Parse(DepthOf(utf8) > KeptDepth ? Cut(utf8) : utf8, RequestParser.EventDocumentOptions);

    /// <summary>The deepest nesting of <paramref name="utf8"/> (a reader keeps it on a bit stack: linear, no recursion).</summary>
    public static int DepthOf(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = RequestParser.EventDocumentOptions.MaxDepth });
        var deepest = 0;
        while (reader.Read())
        {
            deepest = Math.Max(deepest, reader.CurrentDepth);
        }
        return deepest;
    }

    private static byte[] Cut(ReadOnlySpan<byte> utf8)
    {
        var output = new ArrayBufferWriter<byte>(utf8.Length);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = RequestParser.EventDocumentOptions.MaxDepth });
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth >= KeptDepth:
                        var isObject = reader.TokenType == JsonTokenType.StartObject;
                        reader.Skip();
                        writer.WriteRawValue(isObject ? "{}" : "[]", skipInputValidation: true);
                        break;
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        writer.WritePropertyName(reader.GetString()!);
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(reader.GetString());
                        break;
                    default: // numbers, true, false, null: as written
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                }
            }
        }
        return output.WrittenSpan.ToArray();
    }
}
