using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// Names every resource as the local stack creates it (its name property, else its logical id)
/// and gives what <c>Ref</c> and <c>Fn::GetAtt</c> return for it: names, ARNs, queue URLs.
/// </summary>
internal sealed class ResourceNames(TemplateScope scope)
{
    private readonly Dictionary<string, ResourceIdentity> identities = new();
    private readonly HashSet<string> resolving = new();

    /// <summary>A bus given by name or ARN, as its name.</summary>
    public static string BusName(string nameOrArn)
    {
        var at = nameOrArn.IndexOf(":event-bus/", StringComparison.Ordinal);
        return at >= 0 ? nameOrArn[(at + ":event-bus/".Length)..] : nameOrArn;
    }

    /// <summary>A rule's ARN: the default bus's rules have no bus in it.</summary>
    public string RuleArn(string bus, string rule) =>
        bus == "default" ? Arn("events", $"rule/{rule}") : Arn("events", $"rule/{bus}/{rule}");

    /// <summary>The resource's identity, or null for a logical id the template does not have.</summary>
    public ResourceIdentity? Identity(string logicalId, string at)
    {
        if (identities.TryGetValue(logicalId, out var known))
        {
            return known;
        }
        if (logicalId.EndsWith(".Alias", StringComparison.Ordinal)
            && FunctionAlias(logicalId[..^".Alias".Length], at) is { } alias)
        {
            identities[logicalId] = alias;
            return alias;
        }
        if (scope.Resources[logicalId] is not JsonObject body)
        {
            // SAM's implicit role of a function or state machine (FunctionRole) may be referenced.
            return logicalId.EndsWith("Role", StringComparison.Ordinal) && scope.Resources.ContainsKey(logicalId[..^4])
                ? new ResourceIdentity(logicalId, "AWS::IAM::Role", logicalId,
                    new Dictionary<string, string> { ["Arn"] = IamArn($"role/{logicalId}") })
                : null;
        }
        if (!resolving.Add(logicalId))
        {
            throw new TemplateError($"{at}: resource {logicalId}'s name depends on itself");
        }
        var identity = Name(logicalId, body, at);
        resolving.Remove(logicalId);
        identities[logicalId] = identity;
        return identity;
    }

    private ResourceIdentity Name(string logicalId, JsonObject body, string at)
    {
        var type = body["Type"]?.GetValue<string>() ?? "";
        var props = body["Properties"] as JsonObject ?? [];
        string NameFrom(string property) =>
            props[property] is { } n ? scope.Text(n, $"resource {logicalId}.{property}") : logicalId;
        ResourceIdentity Make(string reference, params (string Key, string Value)[] attributes) =>
            new(logicalId, type, reference, attributes.ToDictionary(x => x.Key, x => x.Value));
        switch (type)
        {
            case "AWS::Serverless::Function":
                var function = NameFrom("FunctionName");
                return Make(function, ("Arn", Arn("lambda", $"function:{function}")));
            case "AWS::Serverless::StateMachine":
                var machine = NameFrom("Name");
                var machineArn = Arn("states", $"stateMachine:{machine}");
                return Make(machineArn, ("Arn", machineArn), ("Name", machine));
            case "AWS::Events::EventBus":
                var bus = NameFrom("Name");
                return Make(bus, ("Arn", Arn("events", $"event-bus/{bus}")), ("Name", bus));
            case "AWS::Events::Rule":
                var rule = NameFrom("Name");
                var ruleBus = props["EventBusName"] is { } b ? BusName(scope.Text(b, at)) : "default";
                return Make(rule, ("Arn", RuleArn(ruleBus, rule)));
            case "AWS::SNS::Topic":
                var topic = NameFrom("TopicName");
                return Make(Arn("sns", topic), ("TopicArn", Arn("sns", topic)), ("TopicName", topic));
            case "AWS::SQS::Queue":
                var queue = NameFrom("QueueName");
                var url = $"http://sqs.{scope.Region}.localhost/{scope.AccountId}/{queue}";
                return Make(url, ("Arn", Arn("sqs", queue)), ("QueueName", queue), ("QueueUrl", url));
            case "AWS::Logs::LogGroup":
                var logGroup = NameFrom("LogGroupName");
                return Make(logGroup, ("Arn", Arn("logs", $"log-group:{logGroup}:*")));
            case "AWS::DynamoDB::Table":
                var table = NameFrom("TableName");
                return Make(table, ("Arn", Arn("dynamodb", $"table/{table}")));
            case "AWS::IAM::Role":
                var role = NameFrom("RoleName");
                return Make(role, ("Arn", IamArn($"role/{role}")), ("RoleId", role));
            case "AWS::IAM::ManagedPolicy":
                var policy = IamArn($"policy/{NameFrom("ManagedPolicyName")}");
                return Make(policy, ("PolicyArn", policy));
            default:
                return Make(logicalId);
        }
    }

    /// <summary>
    /// SAM's <c>!Ref Function.Alias</c> (a function with <c>AutoPublishAlias</c>, itself or through
    /// Globals): the alias's ARN, <c>arn:aws:lambda:region:account:function:name:alias</c>. The local
    /// stack has no versions or snapshots: its Invoke API runs the function for any qualifier, so the
    /// alias ARN reaches the same handler.
    /// </summary>
    private ResourceIdentity? FunctionAlias(string functionId, string at)
    {
        if (scope.Resources[functionId] is not JsonObject { } body
            || body["Type"]?.GetValue<string>() != "AWS::Serverless::Function")
        {
            return null;
        }
        var merged = SamGlobals.MergeIntoFunction(scope.Template, body["Properties"] as JsonObject ?? []);
        if (merged["AutoPublishAlias"] is not { } aliasName)
        {
            throw new TemplateError(
                $"{at}: {functionId}.Alias needs AutoPublishAlias on {functionId} (or in Globals.Function)");
        }
        var function = Identity(functionId, at)!;
        var arn = $"{function.Attributes["Arn"]}:{scope.Text(aliasName, at)}";
        return new ResourceIdentity(functionId + ".Alias", "AWS::Lambda::Alias", arn,
            new Dictionary<string, string> { ["Arn"] = arn });
    }

    private string Arn(string service, string resource) =>
        $"arn:aws:{service}:{scope.Region}:{scope.AccountId}:{resource}";

    private string IamArn(string resource) => $"arn:aws:iam::{scope.AccountId}:{resource}";
}
