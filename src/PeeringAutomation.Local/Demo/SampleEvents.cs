using System.Text.Json.Nodes;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Local.Demo;

/// <summary>One sample event from events/*.json.</summary>
public sealed record SampleEvent(string File, string Source, string DetailType, JsonObject Detail);

/// <summary>
/// Reads the sample events in events/. A file may hold a PutEvents entry (or a list of them, as
/// <c>aws events put-events --entries file://…</c> takes), or an EventBridge envelope.
/// </summary>
public static class SampleEvents
{
    public static IReadOnlyList<SampleEvent> All()
    {
        var dir = RepositoryFiles.Find("events");
        if (dir is null || !Directory.Exists(dir))
        {
            return [];
        }
        var result = new List<SampleEvent>();
        foreach (var file in Directory.GetFiles(dir, "*.json").Order())
        {
            try
            {
                result.AddRange(Read(file));
            }
            catch (System.Text.Json.JsonException)
            {
                // A sample that is not JSON is reported by the template tests, not here.
            }
        }
        return result;
    }

    /// <summary>Reads one file (entry, entries, or envelope).</summary>
    public static IEnumerable<SampleEvent> Read(string file)
    {
        var node = JsonNode.Parse(File.ReadAllText(file));
        if (node is JsonObject bare && !bare.ContainsKey("DetailType") && !bare.ContainsKey("detail-type"))
        {
            // events/README.md: a file is the detail; the detail-type is the file name in title case.
            yield return new SampleEvent(file, "vpc-peering", DetailTypeOf(file), bare);
            yield break;
        }
        foreach (var item in node is JsonArray list ? list.OfType<JsonObject>() : node is JsonObject one ? [one] : [])
        {
            var source = (item["Source"] ?? item["source"])?.GetValue<string>() ?? "vpc-peering";
            var detailType = (item["DetailType"] ?? item["detail-type"])?.GetValue<string>();
            var detail = (item["Detail"] ?? item["detail"]) switch
            {
                JsonValue v when v.TryGetValue<string>(out var s) => JsonNode.Parse(s) as JsonObject,
                JsonObject o => (JsonObject)o.DeepClone(),
                _ => null,
            };
            if (detailType is not null && detail is not null)
            {
                yield return new SampleEvent(file, source, detailType, detail);
            }
        }
    }

    /// <summary><c>peering-requested.json</c> → <c>Peering Requested</c>.</summary>
    public static string DetailTypeOf(string file) =>
        string.Join(' ', Path.GetFileNameWithoutExtension(file).Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
