using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Functions.Tests;

/// <summary>template.yaml and the repository around it, read as plain YAML (short-form tags stay tags).</summary>
internal sealed class TemplateModel
{
    public TemplateModel()
    {
        RepositoryRoot = FindRoot();
        Root = Load(Path.Combine(RepositoryRoot, "template.yaml"));
    }

    public string RepositoryRoot { get; }

    public YamlMappingNode Root { get; }

    public IEnumerable<(string Name, YamlMappingNode Properties)> Resources(string type) =>
        ((YamlMappingNode)Root["Resources"]).Children
            .Where(r => ((YamlScalarNode)((YamlMappingNode)r.Value)["Type"]).Value == type)
            .Select(r => (((YamlScalarNode)r.Key).Value!, (YamlMappingNode)((YamlMappingNode)r.Value)["Properties"]));

    public static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    /// <summary>Every ec2:* action in the Allow statements under a node (function Policies or a role).</summary>
    /// <summary>Every <c>ec2:</c> action in the <c>Action</c> of any statement below <paramref name="node"/> (condition keys are not actions).</summary>
    public static IReadOnlySet<string> Ec2Actions(YamlNode node) =>
        Statements(node)
            .SelectMany(statement => statement.Children.TryGetValue(new YamlScalarNode("Action"), out var action) ? action.AllNodes : [])
            .OfType<YamlScalarNode>()
            .Select(n => n.Value!)
            .Where(v => v.StartsWith("ec2:", StringComparison.Ordinal))
            .ToHashSet();

    /// <summary>Every policy statement (a mapping with an <c>Effect</c>) below <paramref name="node"/>.</summary>
    public static IEnumerable<YamlMappingNode> Statements(YamlNode node) =>
        node.AllNodes.OfType<YamlMappingNode>().Where(m => m.Children.ContainsKey(new YamlScalarNode("Effect")));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "template.yaml")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("template.yaml not found above the test binaries");
    }
}
