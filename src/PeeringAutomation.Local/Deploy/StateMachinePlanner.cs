using System.Text;
using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// Plans <c>AWS::Serverless::StateMachine</c>: its definition (a local <c>DefinitionUri</c> file or
/// an inline <c>Definition</c>) with <c>DefinitionSubstitutions</c> applied, its type and role.
/// </summary>
internal sealed class StateMachinePlanner(TemplateScope scope)
{
    public StateMachinePlan StateMachine(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        string definition;
        if (props["DefinitionUri"] is { } uri)
        {
            var relative = uri is JsonValue
                ? scope.Text(uri, at)
                : throw new TemplateError($"{at}: DefinitionUri must be a local file path");
            var file = Path.Combine(Path.GetDirectoryName(scope.TemplatePath)!, relative);
            definition = File.Exists(file)
                ? File.ReadAllText(file)
                : throw new TemplateError($"{at}: DefinitionUri {relative} not found ({file})");
        }
        else if (props["Definition"] is JsonObject inline)
        {
            definition = scope.Resolve(inline, $"{at}.Definition")!.ToJsonString();
        }
        else
        {
            throw new TemplateError($"{at}: needs DefinitionUri or Definition");
        }
        var substitutions = new Dictionary<string, string>();
        var given = scope.Resolve(props["DefinitionSubstitutions"], $"{at}.DefinitionSubstitutions") as JsonObject;
        foreach (var (key, value) in given ?? [])
        {
            substitutions[key] = IntrinsicResolver.AsString(value, $"{at}.DefinitionSubstitutions.{key}");
        }
        definition = Substitute(definition, substitutions, at);
        var role = props["Role"] is { } r ? scope.Text(r, at) : $"arn:aws:iam::{scope.AccountId}:role/{id}Role";
        var type = props["Type"] is { } t ? scope.Text(t, at) : "STANDARD";
        return new StateMachinePlan(id, identity.Attributes["Name"], identity.Ref, definition, type, role);
    }

    /// <summary>Replaces every <c>${Key}</c>; an undefined key is an error (AWS would fail the deploy too).</summary>
    internal static string Substitute(string definition, IReadOnlyDictionary<string, string> substitutions, string at)
    {
        var result = new StringBuilder();
        var i = 0;
        while (true)
        {
            var start = definition.IndexOf("${", i, StringComparison.Ordinal);
            if (start < 0)
            {
                result.Append(definition, i, definition.Length - i);
                return result.ToString();
            }
            var end = definition.IndexOf('}', start);
            var key = end < 0 ? "" : definition[(start + 2)..end];
            if (!substitutions.TryGetValue(key, out var value))
            {
                throw new TemplateError(
                    $"{at}: the definition uses ${{{key}}} but DefinitionSubstitutions does not define it");
            }
            result.Append(definition, i, start - i).Append(value);
            i = end + 1;
        }
    }
}
