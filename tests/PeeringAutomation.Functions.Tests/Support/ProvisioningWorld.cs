using System.Text;
using System.Text.Json.Nodes;
using PeeringAutomation.Aws;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Testing;

/// <summary>
/// The <see cref="PeeringWorld"/> with the handlers' composition root, and a driver that passes state
/// between handlers the way the state machine does.
/// </summary>
public sealed class ProvisioningWorld : PeeringWorld
{
    public ProvisioningWorld(Func<FunctionSettings, FunctionSettings>? configure = null, TimeProvider? clock = null) =>
        Services = new Services((configure ?? (s => s))(Settings()), Ec2, Ledger, clock ?? TimeProvider.System, Findings);

    public Services Services { get; }

    public static FunctionSettings Settings() => new()
    {
        Policy = Policy(),
        Aws = new AwsOptions { HubAccount = Platform, MemberRoleName = "PeeringAutomationMemberRole" },
        HomeRegion = AwsRegion.Parse("us-east-1"),
        LedgerTableName = "peering-automation-requests",
    };

    /// <summary>Calls a handler the way Lambda does: JSON in, JSON out.</summary>
    public static async Task<JsonNode> InvokeAsync(Func<Stream, Task<Stream>> handler, JsonNode input)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(input.ToJsonString()));
        await using var output = await handler(stream);
        return (await JsonNode.ParseAsync(output))!;
    }

    /// <summary>Runs Validate → Create → Accept → routes → groups → flow logs, merging results as the ASL's ResultPaths do.</summary>
    public async Task<JsonObject> ProvisionAsync(JsonObject envelope, string executionArn = ExecutionArn)
    {
        var state = (JsonObject)await InvokeAsync(new PeeringAutomation.Functions.Provisioning.ValidatePeeringRequestFunction(Services).Handle, IntakeInput(envelope, executionArn));
        return await ContinueAsync(state);
    }

    /// <summary>Runs a Peering Approval Decided event the way the ASL does: the decision step, then, when approved, the rest.</summary>
    public async Task<JsonObject> DecideAsync(string account, string requestId, string decision, string executionArn, string? comment = null)
    {
        var detail = new JsonObject { ["requestId"] = requestId, ["decision"] = decision };
        if (comment is not null)
        {
            detail["comment"] = comment;
        }
        var envelope = new JsonObject
        {
            ["version"] = "0", ["id"] = Guid.NewGuid().ToString(), ["detail-type"] = "Peering Approval Decided", ["source"] = "vpc-peering",
            ["account"] = account, ["time"] = "2026-11-27T11:00:00Z", ["region"] = "us-east-1", ["resources"] = new JsonArray(), ["detail"] = detail,
        };
        var state = (JsonObject)await InvokeAsync(new PeeringAutomation.Functions.Approvals.RecordApprovalDecisionFunction(Services).Handle, IntakeInput(envelope, executionArn));
        return await ContinueAsync(state);
    }

    /// <summary>From an accepted Validate (or decision) result: Create → Accept → routes → groups → flow logs.</summary>
    public async Task<JsonObject> ContinueAsync(JsonObject state)
    {
        if (state["accepted"]!.GetValue<bool>() is false)
        {
            return state;
        }
        state["peering"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.CreatePeeringFunction(Services).Handle, state);
        state["acceptance"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.AcceptPeeringFunction(Services).Handle, state);
        state["routes"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.ConfigureRoutesFunction(Services).Handle, state);
        state["securityGroups"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.ConfigureSecurityGroupsFunction(Services).Handle, state);
        state["provisioned"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.CheckFlowLogsFunction(Services).Handle, state);
        return state;
    }
}
