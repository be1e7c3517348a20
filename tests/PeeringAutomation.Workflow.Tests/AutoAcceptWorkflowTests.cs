using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

[Collection(WorldStackCollection.Name)]
public sealed class AutoAcceptWorkflowTests(WorldStack world)
{
    private const string Machine = "AcceptPeeringsStateMachine";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private LocalCloud Stack => world.Stack;

    private async Task<VpcPeeringConnection> DescribeAsync(string pcx, string accepter)
    {
        var ec2 = await world.Ec2For(accepter);
        var all = await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest());
        return all.VpcPeeringConnections.Single(p => p.VpcPeeringConnectionId == pcx);
    }

    private async Task<ExecutionResult> CheckAsync()
    {
        var eventId = await Stack.Driver.PutEventAsync("Peering Acceptance Check Requested", new JsonObject());
        var execution = await Stack.Driver.WaitForExecutionAsync(Machine, eventId, Timeout);
        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        return execution;
    }

    [Fact]
    public async Task AcceptPeerings_AcceptsAllowedPartnerAndReportsItGivenCheckRequested()
    {
        var pcx = await world.RequestPeeringByHandAsync("p1", "b6");

        await CheckAsync();

        (await DescribeAsync(pcx, "b6")).Status.Code.Value.ShouldBe("active");
        var accepted = await Stack.Driver.WaitForOutcomeAsync("Peering Auto-Accepted",
            e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx, Timeout);
        accepted["detail"]!["requester"]!["accountId"]!.GetValue<string>().ShouldBe("444444444444");
        accepted["detail"]!["routesAndRulesConfigured"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task AcceptPeerings_AcceptsInOtherAccountsAndAlertsGivenAnAccountWhoseRoleCannotBeAssumed()
    {
        var pcx = await world.RequestPeeringByHandAsync("c5", "b8");

        var execution = await CheckAsync();

        (await DescribeAsync(pcx, "b8")).Status.Code.Value.ShouldBe("active");
        execution.StatesEntered.ShouldContain("Alert unreachable accounts");
        var scan = execution.History.First(h => h.StateName == "Scan pending peerings" && h.Type.EndsWith("StateExited", StringComparison.Ordinal));
        JsonNode.Parse(scan.Details["output"]!.GetValue<string>())!["scanFailures"]!.AsArray()
            .ShouldAllBe(f => f!["accountId"]!.GetValue<string>() == WorldStack.UnreachableAccount);
    }

    [Fact]
    public async Task AcceptPeerings_LeavesPendingAndReportsGivenUnlistedAccount()
    {
        var pcx = await world.RequestPeeringByHandAsync("u1", "b8");

        await CheckAsync();

        (await DescribeAsync(pcx, "b8")).Status.Code.Value.ShouldBe("pending-acceptance");
        var refused = await Stack.Driver.WaitForOutcomeAsync("Peering Acceptance Refused",
            e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx, Timeout);
        refused["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccountNotAllowed");
        refused["detail"]!["action"]!.GetValue<string>().ShouldBe("left-pending");
    }

    [Fact]
    public async Task AcceptPeerings_LeavesItAloneGivenAPeeringAwsFailedForOverlap()
    {
        // AWS itself fails a request between overlapping VPCs (the layer does too), so auto-accept
        // never sees it pending; its own CidrOverlap refusal is the guard behind that (AutoAcceptTests).
        var pcx = await world.RequestPeeringByHandAsync("p2-overlaps-b8", "b8");

        var execution = await CheckAsync();

        var peering = await DescribeAsync(pcx, "b8");
        peering.Status.Code.Value.ShouldBe("failed");
        peering.Status.Message.ShouldBe("Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range");
        execution.StatesEntered.ShouldNotContain("Emit Peering Auto-Accepted");
        Stack.Driver.Outcomes.Where(e => e["detail"]?["vpcPeeringConnectionId"]?.ToString() == pcx).ShouldBeEmpty();
    }
}
