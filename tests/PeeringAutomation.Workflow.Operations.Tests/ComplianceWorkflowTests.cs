using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Operations.Tests;

[Collection(WorldStackCollection.Name)]
public sealed class ComplianceWorkflowTests(WorldStack world)
{
    private const string Machine = "CheckComplianceStateMachine";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);


    /// <summary>Runs one sweep and returns its findings (as each account-region iteration emitted them).</summary>
    private async Task<IReadOnlyList<JsonNode>> SweepAsync()
    {
        var eventId = await Stack.Driver.PutEventAsync("Compliance Check Requested", new JsonObject());
        var execution = await Stack.Driver.WaitForExecutionAsync(Machine, eventId, Timeout);
        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        var summary = await Stack.Driver.WaitForOutcomeAsync("Compliance Check Completed",
            e => e["detail"]?["sweepId"]?.GetValue<string>() == eventId, Timeout);
        // Only the account whose role cannot be assumed fails; every other one is scanned.
        summary["detail"]!["scopesFailed"]!.AsArray().Select(s => s!.GetValue<string>())
            .ShouldAllBe(s => s.StartsWith(WorldStack.UnreachableAccount));
        // Every finding the sweep emitted, read from what each account-region iteration returned.
        return execution.History
            .Where(h => h.StateName == "Evaluate account and region" && h.Type.EndsWith("StateExited", StringComparison.Ordinal))
            .Select(h => JsonNode.Parse(h.Details["output"]!.GetValue<string>())!)
            .SelectMany(report => report["batches"]!.AsArray())
            .SelectMany(batch => batch!["entries"]!.AsArray())
            .Where(entry => entry!["DetailType"]!.GetValue<string>() == "Peering Compliance Finding")
            .Select(entry => JsonNode.Parse(entry!["Detail"]!.GetValue<string>())!)
            .ToList();
    }

    private async Task<string> ActivePeeringByHandAsync(string requester, string accepter)
    {
        // Accepted only once the accepter's region sees it (inter-region lag, as on AWS).
        var pcx = await world.RequestPeeringByHandVisibleAsync(requester, accepter);
        await (await world.Ec2For(accepter)).AcceptVpcPeeringConnectionAsync(
            new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = pcx });
        return pcx;
    }

    private static IEnumerable<JsonNode> Of(IEnumerable<JsonNode> findings, string type, string pcx) =>
        findings.Where(f => f["findingType"]!.GetValue<string>() == type && f["vpcPeeringConnectionId"]?.GetValue<string>() == pcx);

    [Fact]
    public async Task CheckCompliance_FindsTheUnmonitoredSideOnceThenIsCleanGivenFlowLogAdded()
    {
        // cf2 has no flow log and no other test peers it: with FlowLogRemediation on in the test
        // stack, any sweep after another test's peering of it would already have created one.
        var pcx = await world.ProvisionAsync(Build.Request("cc-flowlogs", "cf1", "cf2"), "cf1", "cf2");

        // The provisioning asks for a check of its two sides; with FlowLogRemediation on (as in the
        // test stack) that sweep may already have created b3's flow log, so read the finding from
        // the bus, whichever sweep emitted it first.
        var emitted = await Stack.Driver.WaitForOutcomeAsync("Peering Compliance Finding",
            e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx, Timeout);
        var finding = emitted["detail"]!;
        finding["findingType"]!.GetValue<string>().ShouldBe("FlowLogsMissing");
        var b3 = Stack.World.Vpc("cf2");
        finding["vpcId"]!.GetValue<string>().ShouldBe(b3.VpcId);
        finding["accountId"]!.GetValue<string>().ShouldBe(b3.AccountId);
        finding["region"]!.GetValue<string>().ShouldBe(b3.Region);
        finding["message"]!.GetValue<string>().ShouldContain(b3.VpcId);
        (await world.WaitForAlertAsync(a => a["Message"]?.GetValue<string>().Contains(finding["findingId"]!.GetValue<string>()) == true))
            ["Subject"]!.GetValue<string>().ShouldStartWith("VPC peering compliance");

        var ec2 = await Stack.Driver.Ec2Async(b3.AccountId, b3.Region);
        await ec2.CreateFlowLogsAsync(new CreateFlowLogsRequest
        {
            ResourceIds = [b3.VpcId], ResourceType = FlowLogsResourceType.VPC, TrafficType = TrafficType.ALL,
            LogDestinationType = LogDestinationType.CloudWatchLogs, LogGroupName = "cf2-flow-logs",
            DeliverLogsPermissionArn = $"arn:aws:iam::{b3.AccountId}:role/flow-logs",
        });

        (await SweepAsync()).ShouldNotContain(f => f["vpcPeeringConnectionId"] != null && f["vpcPeeringConnectionId"]!.GetValue<string>() == pcx);
    }

    [Fact]
    public async Task CheckCompliance_ReportsScanFailedAndScansTheRestGivenAnAccountWhoseRoleCannotBeAssumed()
    {
        var findings = await SweepAsync();

        var failed = findings.Where(f => f["findingType"]!.GetValue<string>() == "ScanFailed").ToList();
        failed.Select(f => f["region"]!.GetValue<string>()).ShouldBe(["eu-west-1", "us-east-1"], ignoreOrder: true);
        failed.ShouldAllBe(f => f["accountId"]!.GetValue<string>() == WorldStack.UnreachableAccount);
        failed[0]["message"]!.GetValue<string>().ShouldContain("MemberRoleUnavailable");
    }

    [Fact]
    public async Task CheckCompliance_FindsUnmanagedPeeringAndTooBroadRouteGivenHandMadePeering()
    {
        var pcx = await ActivePeeringByHandAsync("c4", "a5");
        var ec2 = await world.Ec2For("a5");
        await ec2.CreateRouteAsync(new CreateRouteRequest
        {
            RouteTableId = Stack.World.Vpc("a5").MainRouteTableId, DestinationCidrBlock = "10.0.0.0/8", VpcPeeringConnectionId = pcx,
        });

        var findings = await SweepAsync();

        Of(findings, "UnmanagedPeering", pcx).ShouldNotBeEmpty();
        Of(findings, "RouteTooBroad", pcx).ShouldHaveSingleItem()["destination"]!.GetValue<string>().ShouldBe("10.0.0.0/8");
    }

    [Fact]
    public async Task CheckCompliance_ScansNothingAndSaysWhyGivenAMemberRequestNestedDeeperThanAJsonReaderAllows()
    {
        // Any member account may ask for a check. One nested deeper than a JSON reader's default limit
        // (64) used to fail the execution, and with it page the platform team through the alarm.
        var member = Stack.World.Vpc("a10").AccountId;
        var detail = "{\"accountIds\":" + new string('[', 200) + new string(']', 200) + "}";
        var answer = await Stack.Driver.PutEventsAsAsync(member, [new JsonObject
        {
            ["Source"] = "vpc-peering", ["DetailType"] = "Compliance Check Requested", ["Detail"] = detail, ["EventBusName"] = Stack.EventBusArn,
        }]);
        var eventId = answer["Entries"]![0]!["EventId"]!.GetValue<string>();

        var execution = await Stack.Driver.WaitForExecutionAsync(Machine, eventId, Timeout);

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        var summary = await Stack.Driver.WaitForOutcomeAsync("Compliance Check Completed",
            e => e["detail"]?["sweepId"]?.GetValue<string>() == eventId, Timeout);
        summary["detail"]!["accountsScanned"]!.AsArray().ShouldBeEmpty();
        summary["detail"]!["reasons"]!.AsArray().ShouldHaveSingleItem()!["message"]!.GetValue<string>().ShouldContain("nested deeper than");
    }

    [Fact]
    public async Task CheckCompliance_FindsPeerAccountNotAllowedGivenPeeringWithStranger()
    {
        var pcx = await ActivePeeringByHandAsync("u1", "c2");

        var findings = await SweepAsync();

        Of(findings, "PeerAccountNotAllowed", pcx).ShouldHaveSingleItem()["message"]!.GetValue<string>().ShouldContain("555555555555");
    }

    [Fact]
    public async Task CheckCompliance_EmitsEveryFindingOnceInPagesGivenMoreFindingsInOneScopeThanTwoPagesHold()
    {
        // Seven routes to a peering deleted by hand: seven BlackholeRoute findings in b5's account-region,
        // at three per page (WorldStack's ComplianceFindingsPageSize) at least three pages.
        var b5 = Stack.World.Vpc("b5");
        var pcx = await world.RequestPeeringByHandAsync("b5", "b7");
        var ec2 = await world.Ec2For("b5");
        var destinations = Enumerable.Range(0, 7).Select(i => $"10.17.{200 + i}.0/24").ToList();
        foreach (var destination in destinations)
        {
            await ec2.CreateRouteAsync(new CreateRouteRequest { RouteTableId = b5.MainRouteTableId, DestinationCidrBlock = destination, VpcPeeringConnectionId = pcx });
        }
        await ec2.DeleteVpcPeeringConnectionAsync(new DeleteVpcPeeringConnectionRequest { VpcPeeringConnectionId = pcx });
        try
        {
            var eventId = await Stack.Driver.PutEventAsync("Compliance Check Requested", new JsonObject { ["accountIds"] = new JsonArray(b5.AccountId), ["regions"] = new JsonArray(b5.Region) });
            var execution = await Stack.Driver.WaitForExecutionAsync(Machine, eventId, Timeout);

            execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
            var pages = execution.History
                .Where(h => h.StateName == "Evaluate account and region" && h.Type.EndsWith("StateExited", StringComparison.Ordinal))
                .Select(h => JsonNode.Parse(h.Details["output"]!.GetValue<string>())!)
                .ToList();
            pages.Count.ShouldBeGreaterThanOrEqualTo(3);
            var findings = pages.SelectMany(p => p["batches"]!.AsArray()).SelectMany(b => b!["entries"]!.AsArray())
                .Where(e => e!["DetailType"]!.GetValue<string>() == "Peering Compliance Finding")
                .Select(e => JsonNode.Parse(e!["Detail"]!.GetValue<string>())!).ToList();
            findings.Select(f => f["findingId"]!.GetValue<string>()).ShouldBeUnique();
            Of(findings, "BlackholeRoute", pcx).Select(f => f["destination"]!.GetValue<string>()).ShouldBe(destinations, ignoreOrder: true);
            var summary = await Stack.Driver.WaitForOutcomeAsync("Compliance Check Completed", e => e["detail"]?["sweepId"]?.GetValue<string>() == eventId, Timeout);
            summary["detail"]!["findingCount"]!.GetValue<int>().ShouldBe(findings.Count);
        }
        finally
        {
            foreach (var destination in destinations)
            {
                await ec2.DeleteRouteAsync(new DeleteRouteRequest { RouteTableId = b5.MainRouteTableId, DestinationCidrBlock = destination });
            }
        }
    }

    [Fact]
    public async Task CheckCompliance_FindsBlackholeRoutesGivenPeeringDeletedByHand()
    {
        var pcx = await world.ProvisionAsync(Build.Request("cc-blackhole", "a8", "b9"), "a8", "b9");
        await (await world.Ec2For("a8")).DeleteVpcPeeringConnectionAsync(new DeleteVpcPeeringConnectionRequest { VpcPeeringConnectionId = pcx });

        var findings = await SweepAsync();

        Of(findings, "BlackholeRoute", pcx).Count().ShouldBe(2); // a route on each side
    }

    [Fact]
    public async Task CheckCompliance_FindsExpiredPeeringGivenExpiryPassedBeforeTheSweep()
    {
        var request = Build.Request("cc-expired", "a6", "b4");
        // Far enough ahead to pass validation on a slow machine; then wait only what is left.
        var expiresAt = DateTimeOffset.UtcNow + WorldStack.ExpiryMargin;
        request["expiresAt"] = expiresAt.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var pcx = await world.ProvisionAsync(request, "a6", "b4");
        if (expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is { Ticks: > 0 } left)
        {
            await Task.Delay(left);
        }

        var findings = await SweepAsync();

        Of(findings, "PeeringExpired", pcx).ShouldHaveSingleItem();
    }
}
