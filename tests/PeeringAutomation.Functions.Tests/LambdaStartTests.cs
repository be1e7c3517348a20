using System.Reflection;
using System.Text.Json;
using PeeringAutomation.Functions.Hosting;
using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// SnapStart and the functions' package: every function is published with SnapStart and invoked through
/// its alias; nothing in a static would be stale after a snapshot is restored; nothing of the local stack
/// is in the functions' closure.
/// </summary>
public sealed class LambdaStartTests
{
    private readonly TemplateModel template = new();

    private YamlMappingNode GlobalsFunction => (YamlMappingNode)((YamlMappingNode)template.Root["Globals"])["Function"];

    [Fact]
    public void TemplateGlobals_TurnOnSnapStartWithAnAliasGivenEveryFunction()
    {
        TemplateModel.Scalar(GlobalsFunction, "AutoPublishAlias").ShouldBe("live");
        TemplateModel.Scalar((YamlMappingNode)GlobalsFunction["SnapStart"], "ApplyOn").ShouldBe("PublishedVersions");
        TemplateModel.Scalar(GlobalsFunction, "Runtime").ShouldBe("dotnet10", "SnapStart needs a managed .NET runtime (dotnet8 or later)");
        foreach (var (name, properties) in template.Resources("AWS::Serverless::Function"))
        {
            // A function that overrode either would lose the snapshot, or the alias the state machines invoke.
            properties.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value)
                .ShouldNotContain(k => k == "SnapStart" || k == "AutoPublishAlias", $"{name} overrides the Globals");
        }
    }

    [Fact]
    public void TemplateStateMachines_InvokeTheAliasGivenEveryFunctionSubstitution()
    {
        foreach (var (name, properties) in template.Resources("AWS::Serverless::StateMachine"))
        {
            if (!properties.Children.TryGetValue(new YamlScalarNode("DefinitionSubstitutions"), out var node))
            {
                continue;
            }
            foreach (var (key, value) in ((YamlMappingNode)node).Children)
            {
                var scalar = (YamlScalarNode)value;
                if (((YamlScalarNode)key).Value!.EndsWith("FunctionArn", StringComparison.Ordinal))
                {
                    // $LATEST is never snapshotted: invoking it would cold-start the whole init every time.
                    scalar.Tag.Value.ShouldBe("!Ref", $"{name}.{key}");
                    scalar.Value.ShouldEndWith(".Alias", customMessage: $"{name}.{key} must invoke the function's alias");
                }
            }
        }
    }

    /// <summary>
    /// A restored snapshot runs with the statics of the moment it was taken. The functions keep only values that
    /// stay true (constants, immutable tables, JSON contexts) and the composition root, which holds no time-bound
    /// state: assumed-role credentials are re-checked against the clock on every use
    /// (<c>Ec2GatewayFactoryTests.Ec2GatewayFactoryFor_AssumesAgainGivenASnapshotRestoredAfterTheCredentialsExpired</c>).
    /// </summary>
    [Fact]
    public void FunctionsClosure_KeepsNoStaticStateAStaleSnapshotWouldServeGivenEveryAssembly()
    {
        var assemblies = new[] { typeof(Services).Assembly, typeof(Aws.Ec2GatewayFactory).Assembly, typeof(Core.Model.Cidr).Assembly };
        var allowed = new HashSet<string>
        {
            // The composition root, built on first use from the environment, which a restore does not change.
            "PeeringAutomation.Functions.Hosting.Services.FromEnvironment",
        };
        var offending = new List<string>();
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            foreach (var field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var name = $"{type.FullName}.{field.Name}";
                if (field.IsLiteral || allowed.Contains(name) || IsCompilerGenerated(type, field) || IsTimeless(field)
                    || type.Namespace?.StartsWith("System.", StringComparison.Ordinal) == true)
                {
                    continue;
                }
                offending.Add($"{name} ({field.FieldType.Name}{(field.IsInitOnly ? ", readonly" : "")})");
            }
        }
        offending.ShouldBeEmpty("a static a restored snapshot would serve stale (credentials, clocks, random seeds, connections)");
    }

    /// <summary>The functions' dependency list (deps.json) holds the AWS SDK and our three assemblies, nothing of the local stack.</summary>
    [Fact]
    public void FunctionsDependencies_HoldNothingOfTheLocalStackGivenTheDepsFile()
    {
        var deps = Path.Combine(template.RepositoryRoot, "src/PeeringAutomation.Functions/bin");
        var file = Directory.EnumerateFiles(deps, "PeeringAutomation.Functions.deps.json", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var libraries = json.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        libraries.ShouldNotBeEmpty();
        var allowed = new[] { "PeeringAutomation.Functions", "PeeringAutomation.Aws", "PeeringAutomation.Core", "AWSSDK.Core", "AWSSDK.EC2", "AWSSDK.SecurityToken", "AWSSDK.DynamoDBv2" };
        libraries.Except(allowed).ShouldBeEmpty($"the functions' package carries only these ({file})");
        libraries.ShouldNotContain(l => l.StartsWith("YamlDotNet", StringComparison.Ordinal) || l.StartsWith("Yarp", StringComparison.Ordinal)
            || l.StartsWith("Spectre", StringComparison.Ordinal) || l.StartsWith("PeeringAutomation.Local", StringComparison.Ordinal));
    }

    private static bool IsCompilerGenerated(Type type, FieldInfo field) =>
        type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute))
        || field.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute))
        || field.Name.Contains('<');

    /// <summary>
    /// Readonly values that no restore can make wrong: strings, numbers, time spans, regexes, immutable collections of
    /// those, the source-generated JSON contexts and option objects.
    /// </summary>
    private static bool IsTimeless(FieldInfo field)
    {
        if (!field.IsInitOnly)
        {
            return false;
        }
        var t = field.FieldType;
        if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(decimal)
            || t == typeof(System.Text.RegularExpressions.Regex) || t == typeof(JsonSerializerOptions)
            || t == typeof(JsonEncodedText) || t == typeof(JsonDocumentOptions)
            || t == typeof(object) || t == typeof(Lock) // a lock object holds no state
            || typeof(System.Text.Json.Serialization.JsonSerializerContext).IsAssignableFrom(t))
        {
            return true;
        }
        if (t.IsArray)
        {
            return IsValueLike(t.GetElementType()!);
        }
        if (t.IsGenericType && t.Namespace is "System.Collections.Generic" or "System.Collections.Frozen" or "System.Collections.Immutable")
        {
            return t.GetGenericArguments().All(IsValueLike);
        }
        // Values and records of the domain (identifiers, CIDRs, settings) are immutable: no property can be set after init.
        return t.Namespace?.StartsWith("PeeringAutomation.Core", StringComparison.Ordinal) == true && (t.IsValueType || IsImmutable(t));
    }

    private static bool IsImmutable(Type t) =>
        t.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).All(p =>
            p.SetMethod is null
            || p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(System.Runtime.CompilerServices.IsExternalInit)));

    private static bool IsValueLike(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan)
        || (t.IsGenericType && t.GetGenericTypeDefinition().FullName!.StartsWith("System.ValueTuple", StringComparison.Ordinal) && t.GetGenericArguments().All(IsValueLike))
        || (t.Namespace?.StartsWith("PeeringAutomation.Core", StringComparison.Ordinal) == true && t.IsValueType);
}
