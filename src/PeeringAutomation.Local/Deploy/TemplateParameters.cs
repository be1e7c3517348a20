using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// The template's parameters as the local stack deploys them: <c>--parameter-overrides</c> win,
/// then the local stack's defaults (from the world), then the template's defaults; plus the pseudo
/// parameters (<c>AWS::AccountId</c>, <c>AWS::Region</c> …).
/// </summary>
internal static class TemplateParameters
{
    /// <summary>Every parameter's value: a string, or an array for list types.</summary>
    public static Dictionary<string, JsonNode?> Resolve(
        JsonObject template,
        string region,
        string accountId,
        IReadOnlyDictionary<string, string> overrides,
        IReadOnlyDictionary<string, string> localDefaults)
    {
        var parameters = new Dictionary<string, JsonNode?>();
        var declared = template["Parameters"] as JsonObject ?? [];
        foreach (var name in overrides.Keys.Where(k => !declared.ContainsKey(k)))
        {
            throw new TemplateError($"--parameter-overrides: the template has no parameter '{name}' "
                + $"(it has: {string.Join(", ", declared.Select(p => p.Key))})");
        }
        foreach (var (name, node) in declared)
        {
            var value = ValueOf(name, node, overrides, localDefaults);
            var type = node?["Type"]?.GetValue<string>() ?? "String";
            parameters[name] = type.StartsWith("List<", StringComparison.Ordinal) || type == "CommaDelimitedList"
                ? new JsonArray(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(v => (JsonNode)JsonValue.Create(v)).ToArray())
                : JsonValue.Create(value);
        }
        parameters["AWS::AccountId"] = JsonValue.Create(accountId);
        parameters["AWS::Region"] = JsonValue.Create(region);
        parameters["AWS::Partition"] = JsonValue.Create("aws");
        parameters["AWS::URLSuffix"] = JsonValue.Create("amazonaws.com");
        parameters["AWS::StackName"] = JsonValue.Create("peering-automation");
        parameters["AWS::StackId"] =
            JsonValue.Create($"arn:aws:cloudformation:{region}:{accountId}:stack/peering-automation/local");
        parameters["AWS::NoValue"] = JsonValue.Create(IntrinsicResolver.NoValue);
        return parameters;
    }

    /// <summary>Each parameter as one string, lists joined with commas (as the plan reports them).</summary>
    public static Dictionary<string, string> AsStrings(IReadOnlyDictionary<string, JsonNode?> parameters) =>
        parameters.ToDictionary(
            p => p.Key,
            p => p.Value is JsonArray a
                ? string.Join(",", a.Select(x => IntrinsicResolver.AsString(x, p.Key)))
                : IntrinsicResolver.AsString(p.Value, p.Key));

    private static string ValueOf(
        string name,
        JsonNode? node,
        IReadOnlyDictionary<string, string> overrides,
        IReadOnlyDictionary<string, string> localDefaults)
    {
        var value = overrides.TryGetValue(name, out var o) ? o
            : localDefaults.TryGetValue(name, out var d) ? d
            : node?["Default"] is { } def ? IntrinsicResolver.AsString(def, $"Parameters.{name}.Default")
            : throw new TemplateError(
                $"parameter {name} has no default: pass it with --parameter-overrides {name}=...");
        if (node?["AllowedValues"] is JsonArray allowed
            && !allowed.Any(a => IntrinsicResolver.AsString(a, name) == value))
        {
            throw new TemplateError($"parameter {name}: '{value}' is not one of "
                + string.Join(", ", allowed.Select(a => IntrinsicResolver.AsString(a, name))));
        }
        if (node?["AllowedPattern"] is JsonValue pattern
            && !Regex.IsMatch(value, $"^(?:{pattern.GetValue<string>()})$"))
        {
            throw new TemplateError($"parameter {name}: '{value}' does not match {pattern.GetValue<string>()}");
        }
        return value;
    }
}
