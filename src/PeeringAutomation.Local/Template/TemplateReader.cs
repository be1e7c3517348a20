using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Local.Template;

/// <summary>
/// Reads a CloudFormation/SAM template (YAML or JSON) into CloudFormation's JSON form: short-form
/// tags such as <c>!Ref</c> or <c>!Sub</c> become <c>{"Ref": ...}</c> / <c>{"Fn::Sub": ...}</c>, so the
/// resolver handles one shape only. Plain (unquoted) scalars that look like numbers or booleans
/// become JSON numbers/booleans, as they do in CloudFormation's YAML parser.
/// </summary>
public static class TemplateReader
{
    /// <summary>Reads the file; throws <see cref="TemplateError"/> with the file and line on bad YAML.</summary>
    public static JsonObject ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new TemplateError($"template not found: {path}");
        }
        try
        {
            var node = ReadYaml(File.ReadAllText(path));
            return node as JsonObject ?? throw new TemplateError($"{path}: the template must be a mapping");
        }
        catch (YamlException e)
        {
            throw new TemplateError($"{path}:{e.Start.Line}: {e.Message}");
        }
    }

    /// <summary>Parses YAML text (JSON is YAML too) into CloudFormation's JSON form.</summary>
    public static JsonNode? ReadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node)
    {
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        JsonNode? value = node switch
        {
            YamlMappingNode map => ConvertMapping(map),
            YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
            YamlScalarNode scalar => ConvertScalar(scalar, tagged: tag is not null && tag.StartsWith('!')),
            _ => throw new TemplateError($"line {node.Start.Line}: unsupported YAML node"),
        };
        if (tag is null || !tag.StartsWith('!'))
        {
            return value;
        }
        var name = tag[1..];
        return name switch
        {
            "Ref" => new JsonObject { ["Ref"] = value },
            "Condition" => new JsonObject { ["Condition"] = value },
            // !GetAtt Resource.Attribute is the short form of ["Resource", "Attribute"].
            "GetAtt" when value is JsonValue v => new JsonObject
            {
                ["Fn::GetAtt"] = new JsonArray(v.ToString().Split('.', 2).Select(p => (JsonNode)JsonValue.Create(p)).ToArray()),
            },
            _ => new JsonObject { ["Fn::" + name] = value },
        };
    }

    private static JsonObject ConvertMapping(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, child) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            result[name] = Convert(child);
        }
        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar, bool tagged)
    {
        var text = scalar.Value ?? "";
        if (tagged || scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }
        switch (text)
        {
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
            case "null" or "~" or "":
                return null;
        }
        if (System.Text.RegularExpressions.Regex.IsMatch(text, @"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"))
        {
            // A JSON number that keeps its text (1.0 stays "1.0" when used as a string).
            // Leading zeros (account ids like 012345678901) never match and stay strings.
            return JsonNode.Parse(text);
        }
        return JsonValue.Create(text);
    }
}

/// <summary>The template cannot be deployed locally; the message names the resource and the reason.</summary>
public sealed class TemplateError(string message) : Exception(message);
