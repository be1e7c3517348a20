using System.Globalization;
using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// One template being planned and what every planner reads from it: its resources, the resolved
/// parameters, its conditions, the names of its resources, and the intrinsic-function resolver
/// bound to all of them.
/// </summary>
internal sealed class TemplateScope
{
    private readonly Dictionary<string, bool?> conditions = new();
    private readonly IntrinsicResolver resolver;

    public TemplateScope(
        string templatePath,
        string region,
        string accountId,
        IReadOnlyDictionary<string, string> overrides,
        IReadOnlyDictionary<string, string> localDefaults)
    {
        TemplatePath = Path.GetFullPath(templatePath);
        Region = region;
        AccountId = accountId;
        Template = TemplateReader.ReadFile(TemplatePath);
        foreach (var key in Template.Select(p => p.Key).Where(k => !SupportedResources.TopLevelKeys.Contains(k)))
        {
            throw new TemplateError($"{templatePath}: top-level section '{key}' is not supported by the local stack");
        }
        Resources = Template["Resources"] as JsonObject ?? throw new TemplateError($"{templatePath}: no Resources");
        Parameters = TemplateParameters.Resolve(Template, region, accountId, overrides, localDefaults);
        Names = new ResourceNames(this);
        var mappings = Template["Mappings"] as JsonObject ?? [];
        resolver = new IntrinsicResolver(Parameters, mappings, Condition, Names.Identity);
    }

    public string TemplatePath { get; }

    public string Region { get; }

    public string AccountId { get; }

    public JsonObject Template { get; }

    public JsonObject Resources { get; }

    public IReadOnlyDictionary<string, JsonNode?> Parameters { get; }

    public ResourceNames Names { get; }

    /// <summary>A condition of the template's Conditions section (evaluated once).</summary>
    public bool Condition(string name)
    {
        if (conditions.TryGetValue(name, out var known))
        {
            return known ?? throw new TemplateError($"condition {name} refers to itself");
        }
        var definition = Template["Conditions"]?[name] ?? throw new TemplateError($"unknown condition '{name}'");
        conditions[name] = null;
        var value = resolver.Evaluate(definition, $"Conditions.{name}");
        conditions[name] = value;
        return value;
    }

    /// <summary>The node with every intrinsic function resolved.</summary>
    public JsonNode? Resolve(JsonNode? node, string at) => resolver.Resolve(node, at);

    /// <summary>The node resolved to a string.</summary>
    public string Text(JsonNode? node, string at) => resolver.ResolveString(node, at);

    /// <summary>The node resolved to a whole number.</summary>
    public int Number(JsonNode node, string at) => int.Parse(Text(node, at), CultureInfo.InvariantCulture);
}
