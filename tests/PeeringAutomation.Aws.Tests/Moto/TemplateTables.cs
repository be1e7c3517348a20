using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Aws.Tests.Moto;

/// <summary>
/// The CreateTable call for a DynamoDB table of template.yaml (key schema, attributes, indexes,
/// billing mode), so the adapter tests run on the shape that is deployed. The template gives these
/// properties literally, so plain YAML is enough: no intrinsic function to resolve, no local stack.
/// </summary>
public static class TemplateTables
{
    public static CreateTableRequest CreateRequest(string logicalId, string tableName)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(FindTemplate())));
        var resources = Mapping(yaml.Documents[0].RootNode, "Resources");
        var properties = Mapping(Mapping(resources, logicalId), "Properties");
        return new CreateTableRequest
        {
            TableName = tableName,
            BillingMode = BillingMode.FindValue(Text(properties, "BillingMode")),
            DeletionProtectionEnabled = Has(properties, "DeletionProtectionEnabled")
                && bool.Parse(Text(properties, "DeletionProtectionEnabled")),
            KeySchema = Keys(properties),
            AttributeDefinitions = [.. Sequence(properties, "AttributeDefinitions").Select(a => new AttributeDefinition(
                Text(a, "AttributeName"), ScalarAttributeType.FindValue(Text(a, "AttributeType"))))],
            GlobalSecondaryIndexes = Has(properties, "GlobalSecondaryIndexes")
                ? [.. Sequence(properties, "GlobalSecondaryIndexes").Select(i => new GlobalSecondaryIndex
                {
                    IndexName = Text(i, "IndexName"),
                    KeySchema = Keys(i),
                    Projection = new Projection
                    {
                        ProjectionType = ProjectionType.FindValue(Text(Mapping(i, "Projection"), "ProjectionType")),
                    },
                })]
                : null,
        };
    }

    private static List<KeySchemaElement> Keys(YamlNode node) =>
        [.. Sequence(node, "KeySchema").Select(k =>
            new KeySchemaElement(Text(k, "AttributeName"), KeyType.FindValue(Text(k, "KeyType"))))];

    private static bool Has(YamlNode node, string key) => ((YamlMappingNode)node).Children.ContainsKey(key);

    private static YamlNode Mapping(YamlNode node, string key) => ((YamlMappingNode)node)[key];

    private static IEnumerable<YamlNode> Sequence(YamlNode node, string key) =>
        (YamlSequenceNode)((YamlMappingNode)node)[key];

    private static string Text(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node)[key]).Value ?? "";

    private static string FindTemplate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "template.yaml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("template.yaml not found above " + AppContext.BaseDirectory);
    }
}
