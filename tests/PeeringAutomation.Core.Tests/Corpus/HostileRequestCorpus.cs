using System.Text;
using System.Text.Json;

namespace PeeringAutomation.Core.Tests.Corpus;

/// <summary>
/// The corpus of malformed and hostile <c>Peering Requested</c> details in
/// <c>Corpus/PeeringRequested/*.json</c>, with what each must end as in <c>expected.json</c>
/// (<c>code</c>, a text a reason of that code must contain, and <c>oversized</c> for details
/// EventBridge would refuse). Files may name the test world's resources as <c>{{requesterVpc}}</c>,
/// <c>{{accepterVpc}}</c>, <c>{{requesterGroup}}</c> and <c>{{accepterGroup}}</c>. Shared with
/// PeeringAutomation.Functions.Tests, which runs each through the validation handler.
/// </summary>
public static class HostileRequestCorpus
{
    /// <summary>What one corpus file must end as.</summary>
    public sealed record Expectation(string File, string Code, string Mentions, bool Oversized);

    /// <summary>EventBridge's entry limit, and Step Functions' input and SNS's message limit: 256 KB each.</summary>
    public const int PayloadLimitBytes = 256 * 1024;

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Corpus", "PeeringRequested");

    public static IReadOnlyList<Expectation> All()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "expected.json")));
        return manifest.RootElement.EnumerateObject()
            .Select(p => new Expectation(
                p.Name,
                p.Value.GetProperty("code").GetString()!,
                p.Value.GetProperty("mentions").GetString()!,
                p.Value.TryGetProperty("oversized", out var o) && o.GetBoolean()))
            .ToList();
    }

    /// <summary>The detail's text with the placeholders replaced.</summary>
    public static string Detail(string file, IReadOnlyDictionary<string, string> ids)
    {
        var text = File.ReadAllText(Path.Combine(Directory, file)).TrimEnd('\n');
        foreach (var (name, value) in ids)
        {
            text = text.Replace("{{" + name + "}}", value, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>The event EventBridge would deliver for <paramref name="detail"/> (the detail kept byte for byte: it may repeat keys).</summary>
    public static string Envelope(string detail) =>
        """{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Peering Requested","source":"vpc-peering","account":"123456789012","time":"2026-11-27T10:00:00Z","region":"us-east-1","resources":[],"detail":"""
        + detail + "}";

    /// <summary>A PutEvents entry's size as EventBridge counts it (no Time: 14 bytes; source, detail-type and detail in UTF-8).</summary>
    public static int EventEntrySize(string source, string detailType, string detail) =>
        14 + Encoding.UTF8.GetByteCount(source) + Encoding.UTF8.GetByteCount(detailType) + Encoding.UTF8.GetByteCount(detail);
}
