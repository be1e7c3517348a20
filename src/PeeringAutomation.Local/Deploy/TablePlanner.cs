using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>Plans <c>AWS::DynamoDB::Table</c>.</summary>
internal sealed class TablePlanner(TemplateScope scope)
{
    private static readonly string[] CreateTableProperties =
        ["KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes", "DeletionProtectionEnabled"];

    /// <summary>
    /// The CreateTable call is the resolved properties themselves (same names), less the settings
    /// CloudFormation applies with other calls (point-in-time recovery, TTL).
    /// </summary>
    public TablePlan Table(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        var create = new JsonObject { ["TableName"] = identity.Ref };
        foreach (var name in CreateTableProperties)
        {
            if (props[name] is { } value)
            {
                create[name] = scope.Resolve(value, $"{at}.{name}")?.DeepClone();
            }
        }
        if (create["KeySchema"] is null || create["AttributeDefinitions"] is null)
        {
            throw new TemplateError($"{at}: KeySchema and AttributeDefinitions are required");
        }
        var recovery = scope.Resolve(props["PointInTimeRecoverySpecification"], at);
        var pitr = recovery?["PointInTimeRecoveryEnabled"] is { } enabled
            && IntrinsicResolver.AsString(enabled, at) == "true";
        var ttl = scope.Resolve(props["TimeToLiveSpecification"], at) is JsonObject spec && spec["Enabled"] is { } on
                  && IntrinsicResolver.AsString(on, at) == "true" && spec["AttributeName"] is { } attribute
            ? scope.Text(attribute, at)
            : null;
        return new TablePlan(id, identity.Ref, identity.Attributes["Arn"], create.ToJsonString(), pitr, ttl);
    }
}
