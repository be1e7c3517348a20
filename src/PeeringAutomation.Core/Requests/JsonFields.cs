using System.Text.Json;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Requests;

/// <summary>
/// One JSON object of a request, opened against the list of fields it may have. Opening reports
/// unknown and repeated fields; the accessors report missing, null and mistyped ones, each under
/// its own path. Accessors return null after reporting, so the caller walks on and every
/// problem of the event is found in one pass.
/// </summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> values;
    private readonly ReasonList reasons;

    private JsonFields(string path, Dictionary<string, JsonElement> values, ReasonList reasons)
    {
        Path = path;
        this.values = values;
        this.reasons = reasons;
    }

    /// <summary>The JSON path of this object ("" for the event detail itself).</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="element"/> as an object with the <paramref name="known"/> fields, or reports why not and returns null.</summary>
    public static JsonFields? Open(JsonElement element, string path, IReadOnlyCollection<string> known, ReasonList reasons)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reasons.Invalid(path, $"must be an object, got {JsonText.Describe(element)}");
            return null;
        }
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var at = JsonText.Member(path, property.Name);
            if (!seen.Add(property.Name))
            {
                // JSON parsers disagree on which copy wins; a reviewer may read the harmless
                // one while the automation acts on the other. Refuse rather than guess.
                reasons.Invalid(at, "is given more than once; give each field once");
                continue;
            }
            if (!known.Contains(property.Name))
            {
                reasons.Invalid(at, UnknownField(property.Name, known));
                continue;
            }
            values[property.Name] = property.Value;
        }
        return new JsonFields(path, values, reasons);
    }

    /// <summary>Why an unknown field is refused: a typo must not silently drop a restriction or widen access.</summary>
    public static string UnknownField(string name, IReadOnlyCollection<string> known)
    {
        var suggestion = FieldNameSuggester.Closest(name, known);
        if (suggestion is null)
        {
            return $"is not a known field (expected {string.Join(", ", known)})";
        }
        if (string.Equals(suggestion, name, StringComparison.OrdinalIgnoreCase))
        {
            return $"is not a known field: field names are case-sensitive; did you mean '{suggestion}'?";
        }
        return FieldNameSuggester.SameWords(suggestion, name)
            ? $"is not a known field: field names are camelCase; did you mean '{suggestion}'?"
            : $"is not a known field; did you mean '{suggestion}'?";
    }

    public string PathOf(string name) => JsonText.Member(Path, name);

    /// <summary>Whether the field is present with a non-null value.</summary>
    public bool Has(string name) => Optional(name) is not null;

    /// <summary>The field's value; null when absent or JSON null (both mean "use the default").</summary>
    public JsonElement? Optional(string name) =>
        values.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>The field's value, or null after reporting that it is missing or null.</summary>
    public JsonElement? Required(string name)
    {
        if (!values.TryGetValue(name, out var value))
        {
            reasons.Invalid(PathOf(name), "is required");
            return null;
        }
        if (value.ValueKind == JsonValueKind.Null)
        {
            reasons.Invalid(PathOf(name), "is required and must not be null");
            return null;
        }
        return value;
    }

    public string? RequiredString(string name) =>
        Required(name) is { } value ? JsonValues.String(value, PathOf(name), reasons) : null;

    public string? OptionalString(string name) =>
        Optional(name) is { } value ? JsonValues.String(value, PathOf(name), reasons) : null;

    public T? RequiredId<T>(string name) where T : struct, IIdentifier<T> =>
        Required(name) is { } value ? JsonValues.Id<T>(value, PathOf(name), reasons) : null;

    public T? OptionalId<T>(string name) where T : struct, IIdentifier<T> =>
        Optional(name) is { } value ? JsonValues.Id<T>(value, PathOf(name), reasons) : null;

    public long? OptionalInteger(string name) =>
        Optional(name) is { } value ? JsonValues.Integer(value, PathOf(name), reasons) : null;

    public bool? OptionalBoolean(string name) =>
        Optional(name) is { } value ? JsonValues.Boolean(value, PathOf(name), reasons) : null;
}

/// <summary>Typed reads of single JSON values; each reports a wrong type under the given path and returns null.</summary>
internal static class JsonValues
{
    public static string? String(JsonElement value, string path, ReasonList reasons)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }
        reasons.Invalid(path, $"must be a string, got {JsonText.Describe(value)}");
        return null;
    }

    public static T? Id<T>(JsonElement value, string path, ReasonList reasons) where T : struct, IIdentifier<T>
    {
        if (String(value, path, reasons) is not { } text)
        {
            return null;
        }
        if (Identifier.TryParse<T>(text, out var id, out _))
        {
            return id;
        }
        // Our own wording rather than TryParse's, which echoes the whole (possibly huge) input.
        reasons.Invalid(path, $"{JsonText.Quote(text)} is not {T.Expected}");
        return null;
    }

    /// <summary>
    /// A whole number. Strings ("443") and fractions (1.5, 1e2) are refused rather than
    /// converted: a port range that only works after coercion is a port range nobody reviewed.
    /// </summary>
    public static long? Integer(JsonElement value, string path, ReasonList reasons)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }
        reasons.Invalid(path, $"must be an integer, got {JsonText.Describe(value)}");
        return null;
    }

    public static bool? Boolean(JsonElement value, string path, ReasonList reasons)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        reasons.Invalid(path, $"must be true or false, got {JsonText.Describe(value)}");
        return null;
    }

    /// <summary>
    /// The items of an array, or null after reporting that the value is not one or has more
    /// than <paramref name="max"/> items. The length is checked before any item is read: a
    /// 256 KB event can hold tens of thousands of items, and judging each would only produce
    /// reasons nobody reads (and a refusal too big to emit).
    /// </summary>
    public static IReadOnlyList<JsonElement>? Array(JsonElement value, string path, ReasonList reasons, int max)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            reasons.Invalid(path, $"must be an array, got {JsonText.Describe(value)}");
            return null;
        }
        var length = value.GetArrayLength();
        if (length > max)
        {
            reasons.Invalid(path, $"must have at most {max} items, got {length}");
            return null;
        }
        return value.EnumerateArray().ToArray();
    }

    /// <summary>
    /// An array of identifiers without duplicates. Returns null when anything is wrong, so a
    /// partly valid list is never used.
    /// </summary>
    public static IReadOnlyList<T>? IdArray<T>(JsonElement value, string path, ReasonList reasons, string? whenEmpty, int max)
        where T : struct, IIdentifier<T>
    {
        if (Array(value, path, reasons, max) is not { } items)
        {
            return null;
        }
        if (items.Count == 0 && whenEmpty is not null)
        {
            reasons.Invalid(path, whenEmpty);
            return null;
        }
        var ids = new List<T>(items.Count);
        var firstIndex = new Dictionary<T, int>();
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var at = JsonText.Index(path, i);
            if (Id<T>(items[i], at, reasons) is not { } id)
            {
                ok = false;
                continue;
            }
            if (!firstIndex.TryAdd(id, i))
            {
                reasons.Invalid(at, $"'{id}' duplicates {JsonText.Index(path, firstIndex[id])}; list each once");
                ok = false;
                continue;
            }
            ids.Add(id);
        }
        return ok ? ids : null;
    }
}
