using System.Text;
using System.Text.Json.Nodes;

namespace PeeringAutomation.Local.Template;

/// <summary>What <c>Ref</c> and <c>Fn::GetAtt</c> return for one resource of the local stack.</summary>
public sealed record ResourceIdentity(string LogicalId, string Type, string Ref, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Resolves CloudFormation intrinsic functions against parameters, pseudo parameters, conditions
/// and resource identities. Supports Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split,
/// Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::FindInMap, Fn::ToJsonString and Condition;
/// any other function is an error naming where it was found, never silently passed through.
/// </summary>
public sealed class IntrinsicResolver(
    IReadOnlyDictionary<string, JsonNode?> parameters,
    JsonObject mappings,
    Func<string, bool> condition,
    Func<string, string, ResourceIdentity?> resource)
{
    // A unique string standing for AWS::NoValue: properties resolving to it are dropped.
    internal const string NoValue = "\u0000AWS::NoValue";

    /// <summary>Resolves every intrinsic function inside <paramref name="node"/> (returns a new tree).</summary>
    public JsonNode? Resolve(JsonNode? node, string where)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count == 1 && IsFunction(obj.First().Key):
                var (name, argument) = obj.First();
                return Call(name, argument, where);
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var resolved = Resolve(value, $"{where}.{key}");
                    if (!IsNoValue(resolved))
                    {
                        result[key] = resolved;
                    }
                }
                return result;
            case JsonArray array:
                var items = new JsonArray();
                for (var i = 0; i < array.Count; i++)
                {
                    var resolved = Resolve(array[i], $"{where}[{i}]");
                    if (!IsNoValue(resolved))
                    {
                        items.Add(resolved);
                    }
                }
                return items;
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>Resolves to a string (numbers and booleans as CloudFormation prints them).</summary>
    public string ResolveString(JsonNode? node, string where) => AsString(Resolve(node, where), where);

    /// <summary>Evaluates a condition expression (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition).</summary>
    public bool Evaluate(JsonNode? node, string where) => Resolve(node, where) switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) && bool.TryParse(s, out var b) => b,
        var other => throw new TemplateError($"{where}: a condition must evaluate to true or false, not {other?.ToJsonString() ?? "null"}"),
    };

    internal static bool IsNoValue(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s == NoValue;

    internal static string AsString(JsonNode? node, string where) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        null => throw new TemplateError($"{where}: a value is required here"),
        _ => throw new TemplateError($"{where}: expected a string, found {node.ToJsonString()}"),
    };

    private static bool IsFunction(string key) => key is "Ref" or "Condition" || key.StartsWith("Fn::", StringComparison.Ordinal);

    private JsonNode? Call(string name, JsonNode? argument, string where)
    {
        var at = $"{where} ({name})";
        switch (name)
        {
            case "Ref":
                return Ref(AsString(argument, at), at);
            case "Condition":
                return JsonValue.Create(condition(AsString(argument, at)));
            case "Fn::GetAtt":
            {
                var parts = argument is JsonArray a && a.Count == 2
                    ? (AsString(Resolve(a[0], at), at), AsString(Resolve(a[1], at), at))
                    : throw new TemplateError($"{at}: expected [Resource, Attribute]");
                return JsonValue.Create(GetAtt(parts.Item1, parts.Item2, at));
            }
            case "Fn::Sub":
                return JsonValue.Create(Sub(argument, at));
            case "Fn::Join":
            {
                var args = Args(argument, 2, at);
                var separator = AsString(Resolve(args[0], at), at);
                var list = Resolve(args[1], at) as JsonArray ?? throw new TemplateError($"{at}: the second argument must be a list");
                return JsonValue.Create(string.Join(separator, list.Select(i => AsString(i, at))));
            }
            case "Fn::Select":
            {
                var args = Args(argument, 2, at);
                var index = int.Parse(AsString(Resolve(args[0], at), at), System.Globalization.CultureInfo.InvariantCulture);
                var list = Resolve(args[1], at) as JsonArray ?? throw new TemplateError($"{at}: the second argument must be a list");
                return index >= 0 && index < list.Count ? list[index]?.DeepClone() : throw new TemplateError($"{at}: index {index} is out of range");
            }
            case "Fn::Split":
            {
                var args = Args(argument, 2, at);
                var separator = AsString(Resolve(args[0], at), at);
                var text = AsString(Resolve(args[1], at), at);
                return new JsonArray(text.Split(separator).Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
            }
            case "Fn::If":
            {
                var args = Args(argument, 3, at);
                return condition(AsString(args[0], at)) ? Resolve(args[1], at) : Resolve(args[2], at);
            }
            case "Fn::Equals":
            {
                var args = Args(argument, 2, at);
                return JsonValue.Create(Canonical(Resolve(args[0], at)) == Canonical(Resolve(args[1], at)));
            }
            case "Fn::Not":
                return JsonValue.Create(!Evaluate(Args(argument, 1, at)[0], at));
            case "Fn::And":
                return JsonValue.Create(((JsonArray)argument!).All(c => Evaluate(c, at)));
            case "Fn::Or":
                return JsonValue.Create(((JsonArray)argument!).Any(c => Evaluate(c, at)));
            case "Fn::FindInMap":
            {
                var args = Args(argument, 3, at);
                var keys = args.Select(k => AsString(Resolve(k, at), at)).ToArray();
                return mappings[keys[0]]?[keys[1]]?[keys[2]]?.DeepClone()
                    ?? throw new TemplateError($"{at}: no mapping {string.Join(".", keys)}");
            }
            case "Fn::ToJsonString":
                return JsonValue.Create(Resolve(argument, at)?.ToJsonString() ?? "null");
            default:
                throw new TemplateError($"{where}: the local stack does not support {name}");
        }
    }

    private JsonNode? Ref(string name, string at)
    {
        if (parameters.TryGetValue(name, out var value))
        {
            return value is JsonValue v && IsNoValue(v) ? v : value?.DeepClone();
        }
        return resource(name, at) is { } identity
            ? JsonValue.Create(identity.Ref)
            : throw new TemplateError($"{at}: Ref to unknown parameter or resource '{name}'");
    }

    private string GetAtt(string logicalId, string attribute, string at)
    {
        var identity = resource(logicalId, at) ?? throw new TemplateError($"{at}: GetAtt on unknown resource '{logicalId}'");
        return identity.Attributes.TryGetValue(attribute, out var value)
            ? value
            : throw new TemplateError($"{at}: {logicalId} ({identity.Type}) has no attribute '{attribute}' in the local stack");
    }

    private string Sub(JsonNode? argument, string at)
    {
        string text;
        var variables = new Dictionary<string, string>();
        if (argument is JsonArray list && list.Count == 2)
        {
            text = AsString(list[0], at);
            foreach (var (key, value) in list[1] as JsonObject ?? [])
            {
                variables[key] = AsString(Resolve(value, $"{at}.{key}"), at);
            }
        }
        else
        {
            text = AsString(argument, at);
        }
        var result = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var start = text.IndexOf("${", i, StringComparison.Ordinal);
            if (start < 0)
            {
                result.Append(text, i, text.Length - i);
                break;
            }
            result.Append(text, i, start - i);
            var end = text.IndexOf('}', start);
            if (end < 0)
            {
                throw new TemplateError($"{at}: unterminated ${{ in '{text}'");
            }
            var name = text[(start + 2)..end];
            if (name.StartsWith('!'))
            {
                // ${!Literal} is how a template writes a literal ${Literal}.
                result.Append("${").Append(name[1..]).Append('}');
            }
            else if (variables.TryGetValue(name, out var variable))
            {
                result.Append(variable);
            }
            else if (name.Contains('.') && !parameters.ContainsKey(name))
            {
                var dot = name.IndexOf('.');
                result.Append(GetAtt(name[..dot], name[(dot + 1)..], at));
            }
            else
            {
                var value = Ref(name, at);
                result.Append(value is JsonArray arr ? string.Join(",", arr.Select(x => AsString(x, at))) : AsString(value, at));
            }
            i = end + 1;
        }
        return result.ToString();
    }

    private static JsonArray Args(JsonNode? argument, int count, string at) =>
        argument is JsonArray a && a.Count == count ? a : throw new TemplateError($"{at}: expected a list of {count} arguments");

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonValue v => AsString(v, "Fn::Equals"),
        null => "",
        _ => node.ToJsonString(),
    };
}
