using System.Text.Json;
using System.Text.Json.Nodes;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Local.EventBus;

/// <summary>
/// Reads and writes events as EventBridge carries them: any JSON up to 256 KB, however deeply nested.
/// System.Text.Json stops at 64 levels by default, so a deeper event (which any account that may put
/// events can send) made the local bus fail, and retry for ever, where AWS delivers it. moto matches
/// rules with Python's recursive parser, which stops at about 1,000 levels: events deeper than that
/// are not supported locally.
/// </summary>
internal static class EventText
{
    /// <summary>The depth the handlers' own reading allows (<see cref="RequestParser.EventDocumentOptions"/>).</summary>
    private static readonly JsonSerializerOptions Writing = new() { MaxDepth = RequestParser.EventDocumentOptions.MaxDepth };

    public static JsonNode? Parse(string text) => JsonNode.Parse(text, documentOptions: RequestParser.EventDocumentOptions);

    public static string Write(JsonNode node) => node.ToJsonString(Writing);
}
