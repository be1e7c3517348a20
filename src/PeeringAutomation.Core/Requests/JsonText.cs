using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PeeringAutomation.Core.Requests;

/// <summary>How the parser quotes input back in messages and writes JSON paths.</summary>
internal static partial class JsonText
{
    /// <summary>
    /// Input is echoed in reasons that end up in events, alerts and logs: cut it short and make
    /// control characters visible so a hostile value cannot bloat or forge a log line.
    /// </summary>
    private const int MaxEcho = 64;

    public static string Quote(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxEcho) + 3).Append('\'');
        foreach (var c in text.Length > MaxEcho ? text[..MaxEcho] : text)
        {
            if (char.IsControl(c))
            {
                builder.Append($"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }
        if (text.Length > MaxEcho)
        {
            builder.Append('…');
        }
        return builder.Append('\'').ToString();
    }

    /// <summary>What a value is, for "must be X, got Y" messages.</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"string {Quote(element.GetString() ?? "")}",
        JsonValueKind.Number => $"number {Truncate(element.GetRawText())}",
        JsonValueKind.True => "boolean true",
        JsonValueKind.False => "boolean false",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    public static string Truncate(string text) => text.Length > MaxEcho ? text[..MaxEcho] + "…" : text;

    /// <summary>The path of a member: <c>requester.vpcId</c>, or <c>tags["aws:x"]</c> when the name is not a plain word.</summary>
    public static string Member(string parent, string name)
    {
        if (PlainName().IsMatch(name))
        {
            return parent.Length == 0 ? name : $"{parent}.{name}";
        }
        // JsonEncodedText, not JsonSerializer: it needs no reflection, so it also works where
        // the functions turn reflection-based serialization off for source generation.
        var quoted = JsonEncodedText.Encode(name.Length > MaxEcho ? name[..MaxEcho] + "…" : name);
        return $"{parent}[\"{quoted}\"]";
    }

    /// <summary>
    /// Whether <paramref name="element"/> nests deeper than <paramref name="max"/> levels, read
    /// from its raw text with a reader that stops at the limit: no recursion, whatever the depth.
    /// </summary>
    public static bool DepthExceeds(JsonElement element, int max)
    {
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            return false;
        }
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(element), new JsonReaderOptions { MaxDepth = max });
        try
        {
            while (reader.Read())
            {
            }
            return false;
        }
        catch (JsonException)
        {
            // The element was parsed once already, so the only thing this reader can object to is the depth.
            return true;
        }
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,63}\\z")]
    private static partial Regex PlainName();
}
