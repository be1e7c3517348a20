using System.Text.Json.Nodes;

namespace PeeringAutomation.Local.Hosting;

/// <summary>One Step Functions history event, flattened.</summary>
public sealed record HistoryEvent(long Id, string Type, DateTime Timestamp, string? StateName, JsonObject Details)
{
    /// <summary>The error of a *Failed event, if any.</summary>
    public string? Error => Details["error"]?.GetValue<string>();

    internal static HistoryEvent From(JsonNode node)
    {
        var details = node.AsObject().Where(p => p.Key.EndsWith("EventDetails", StringComparison.Ordinal)).Select(p => p.Value).OfType<JsonObject>().FirstOrDefault() ?? [];
        return new HistoryEvent(
            node["id"]!.GetValue<long>(),
            node["type"]!.GetValue<string>(),
            DateTime.UnixEpoch.AddSeconds(node["timestamp"]?.GetValue<double>() ?? 0),
            details["name"]?.GetValue<string>(),
            (JsonObject)details.DeepClone());
    }
}

/// <summary>A finished (or still running) execution with its history.</summary>
public sealed record ExecutionResult(string ExecutionArn, string Status, JsonNode? Input, JsonNode? Output, string? Error, string? Cause, IReadOnlyList<HistoryEvent> History)
{
    public bool Succeeded => Status == "SUCCEEDED";

    /// <summary>The states entered, in order.</summary>
    public IReadOnlyList<string> StatesEntered => History.Where(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal)).Select(e => e.StateName ?? "?").ToList();

    /// <summary>Errors raised by tasks (Lambda or service), in order, e.g. <c>PeeringConflict</c>.</summary>
    public IReadOnlyList<string> TaskErrors => History.Where(e => e.Type is "LambdaFunctionFailed" or "TaskFailed").Select(e => e.Error ?? "?").ToList();

    public override string ToString() => $"{ExecutionArn} {Status}{(Error is null ? "" : $" {Error}: {Cause}")}";
}
