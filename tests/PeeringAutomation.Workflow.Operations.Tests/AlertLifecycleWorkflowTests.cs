using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Faults;

namespace PeeringAutomation.Workflow.Operations.Tests;

/// <summary>
/// Issue 18 through the real CheckCompliance definition: people hear of a finding once, again after
/// RealertAfter (PT12S in the test stack) and when it resolves; suppression; flow-log remediation.
/// Each test owns its VPC pair (al1-al8) and sweeps only the account-regions it needs.
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class AlertLifecycleWorkflowTests(WorldStack world)
{
    private const string Machine = "CheckComplianceStateMachine";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private LocalCloud Stack => world.Stack;

    private sealed record Sweep(string Id, IReadOnlyList<JsonNode> Findings, IReadOnlyList<JsonNode> Resolved, IReadOnlyList<JsonNode> FlowLogsEnabled, JsonNode Summary);

    /// <summary>One sweep of the named VPCs' account-regions; the events every iteration emitted, by type, and the summary.</summary>
    private async Task<Sweep> SweepAsync(params string[] vpcs)
    {
        var scopes = vpcs.Select(Stack.World.Vpc).ToList();
        var eventId = await Stack.Driver.PutEventAsync("Compliance Check Requested", new JsonObject
        {
            ["accountIds"] = new JsonArray(scopes.Select(v => (JsonNode)v.AccountId).Distinct().ToArray()),
            ["regions"] = new JsonArray(scopes.Select(v => (JsonNode)v.Region).Distinct().ToArray()),
        });
        var execution = await Stack.Driver.WaitForExecutionAsync(Machine, eventId, Timeout);
        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        List<JsonNode> Of(string type) => Emitted(execution, type);
        var summary = await Stack.Driver.WaitForOutcomeAsync("Compliance Check Completed", e => e["detail"]?["sweepId"]?.GetValue<string>() == eventId, Timeout);
        return new Sweep(eventId, Of("Peering Compliance Finding"), Of("Peering Compliance Finding Resolved"), Of("Flow Logs Enabled"), summary["detail"]!);
    }

    private async Task<IReadOnlyList<JsonObject>> AlertsAboutAsync(string findingId) =>
        (await world.AlertsSoFarAsync()).Where(a => a["Message"]?.GetValue<string>().Contains(findingId) == true).ToList();

    private async Task<string> ActivePeeringByHandAsync(string requester, string accepter)
    {
        // Accepted only once the accepter's region sees it (inter-region lag, as on AWS).
        var pcx = await world.RequestPeeringByHandVisibleAsync(requester, accepter);
        await (await world.Ec2For(accepter)).AcceptVpcPeeringConnectionAsync(new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = pcx });
        return pcx;
    }

    /// <summary>The events of <paramref name="type"/> every account-region iteration of a sweep emitted.</summary>
    private static List<JsonNode> Emitted(ExecutionResult execution, string type) =>
        execution.History
            .Where(h => h.StateName == "Evaluate account and region" && h.Type.EndsWith("StateExited", StringComparison.Ordinal))
            .Select(h => JsonNode.Parse(h.Details["output"]!.GetValue<string>())!)
            .SelectMany(report => report["batches"]!.AsArray())
            .SelectMany(batch => batch!["entries"]!.AsArray())
            .Where(e => e!["DetailType"]!.GetValue<string>() == type)
            .Select(e => JsonNode.Parse(e!["Detail"]!.GetValue<string>())!)
            .ToList();

    private static string UnmanagedFindingOf(Sweep sweep, string pcx, string vpcId) => UnmanagedFindingOf(sweep.Findings, pcx, vpcId);

    private static string UnmanagedFindingOf(IEnumerable<JsonNode> findings, string pcx, string vpcId) =>
        findings.Single(f => f["findingType"]!.GetValue<string>() == "UnmanagedPeering"
            && f["vpcPeeringConnectionId"]?.GetValue<string>() == pcx && f["vpcId"]!.GetValue<string>() == vpcId)["findingId"]!.GetValue<string>();

    private static async Task WaitUntilAsync(DateTimeOffset when)
    {
        if (when - DateTimeOffset.UtcNow is { Ticks: > 0 } left)
        {
            await Task.Delay(left);
        }
    }

    [Fact]
    public async Task CheckCompliance_AlertsOnceNotOnTheNextSweepAgainAfterRealertAfterAndWhenResolved()
    {
        var pcx = await ActivePeeringByHandAsync("al1", "al2");
        var al1 = Stack.World.Vpc("al1");

        var first = await SweepAsync("al1");
        var alertedBy = DateTimeOffset.UtcNow;
        var id = UnmanagedFindingOf(first, pcx, al1.VpcId);
        var alert = (await AlertsAboutAsync(id)).ShouldHaveSingleItem();
        alert["Message"]!.GetValue<string>().ShouldContain($"New: UnmanagedPeering (MEDIUM) {id}"); // a batch may tell of other findings too
        alert["Message"]!.GetValue<string>().ShouldContain("Why it matters: ");

        var second = await SweepAsync("al1");
        UnmanagedFindingOf(second, pcx, al1.VpcId).ShouldBe(id, "the bus hears every open finding every sweep");
        (await AlertsAboutAsync(id)).Count.ShouldBe(1, "no alert on the next sweep");

        await WaitUntilAsync(alertedBy + WorldStack.RealertAfter + TimeSpan.FromSeconds(1));
        await SweepAsync("al1");
        (await AlertsAboutAsync(id)).Count.ShouldBe(2);
        (await AlertsAboutAsync(id))[^1]["Message"]!.GetValue<string>().ShouldContain($"Still open: UnmanagedPeering (MEDIUM) {id}");

        await (await world.Ec2For("al1")).DeleteVpcPeeringConnectionAsync(new DeleteVpcPeeringConnectionRequest { VpcPeeringConnectionId = pcx });
        var fixedSweep = await SweepAsync("al1");
        var after = await SweepAsync("al1");

        fixedSweep.Resolved.ShouldContain(r => r["findingId"]!.GetValue<string>() == id);
        var resolved = await Stack.Driver.WaitForOutcomeAsync("Peering Compliance Finding Resolved", e => e["detail"]?["findingId"]?.GetValue<string>() == id, Timeout);
        resolved["detail"]!["vpcId"]!.GetValue<string>().ShouldBe(al1.VpcId);
        var alerts = await AlertsAboutAsync(id);
        alerts.Count.ShouldBe(3);
        alerts[^1]["Message"]!.GetValue<string>().ShouldContain($"Resolved: UnmanagedPeering (MEDIUM) {id}");
        after.Resolved.ShouldNotContain(r => r["findingId"]!.GetValue<string>() == id);
        after.Findings.ShouldNotContain(f => f["findingId"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task CheckCompliance_AlertsANewFindingOnceGivenTheSweepEventDeliveredTwice()
    {
        var pcx = await ActivePeeringByHandAsync("al7", "al8");
        var al7 = Stack.World.Vpc("al7");
        // EventBridge delivers at least once: here every delivery twice, so the sweep runs as two executions.
        Stack.Faults.Set(new FaultSettings { Duplicate = 1.0, Seed = 20261130 });
        ExecutionResult first, second;
        try
        {
            var eventId = await Stack.Driver.PutEventAsync("Compliance Check Requested", new JsonObject
            {
                ["accountIds"] = new JsonArray(al7.AccountId), ["regions"] = new JsonArray(al7.Region),
            });
            first = await Stack.Driver.WaitForExecutionAsync(Machine, eventId, Timeout);
            second = await Stack.Driver.WaitForExecutionAsync(Machine, $"{eventId}-2", Timeout);
        }
        finally
        {
            Stack.Faults.Set(FaultSettings.None);
        }

        first.Status.ShouldBe("SUCCEEDED", first.ToString());
        second.Status.ShouldBe("SUCCEEDED", second.ToString());
        var id = UnmanagedFindingOf(Emitted(first, "Peering Compliance Finding"), pcx, al7.VpcId);
        Emitted(second, "Peering Compliance Finding").ShouldContain(f => f["findingId"]!.GetValue<string>() == id, "the bus hears it from both runs");
        var alert = (await AlertsAboutAsync(id)).ShouldHaveSingleItem("one sweep event, however often delivered, tells people once");
        alert["Message"]!.GetValue<string>().ShouldContain($"New: UnmanagedPeering (MEDIUM) {id}");
    }

    [Fact]
    public async Task SuppressFinding_StopsAlertsUntilItsEndGivenAPlatformAccountAndIsRefusedFromAMemberAccount()
    {
        var pcx = await ActivePeeringByHandAsync("al3", "al4");
        var (al3, al4) = (Stack.World.Vpc("al3"), Stack.World.Vpc("al4"));
        var id = UnmanagedFindingOf(await SweepAsync("al3"), pcx, al3.VpcId);
        var alertedBy = DateTimeOffset.UtcNow;
        (await AlertsAboutAsync(id)).ShouldHaveSingleItem();
        // The quiet sweep after RealertAfter must end before the suppression does (2-5 s when loaded).
        var until = alertedBy + WorldStack.RealertAfter + TimeSpan.FromSeconds(12);
        JsonObject Request() => new()
        {
            ["findingId"] = id, ["reason"] = "CHG-18: the peering is being adopted", ["until"] = until.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };

        // A member account (al4's own) may not silence findings: refused on the envelope account.
        var refusedEvent = await Stack.Driver.PutEventAsAsync(al4.AccountId, "Compliance Finding Suppression Requested", Request());
        (await Stack.Driver.WaitForExecutionAsync(Machine, refusedEvent, Timeout)).Status.ShouldBe("SUCCEEDED");
        var refused = await Stack.Driver.WaitForOutcomeAsync("Compliance Finding Suppression Refused",
            e => e["detail"]?["findingId"]?.GetValue<string>() == id, Timeout);
        refused["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("RequesterNotAuthorized");
        refused["detail"]!["suppressedBy"]!.GetValue<string>().ShouldBe(al4.AccountId);

        // The hub is a platform account (PlatformAccountIds defaults to it).
        var suppressEvent = await Stack.Driver.PutEventAsync("Compliance Finding Suppression Requested", Request());
        (await Stack.Driver.WaitForExecutionAsync(Machine, suppressEvent, Timeout)).Status.ShouldBe("SUCCEEDED");
        var suppressed = await Stack.Driver.WaitForOutcomeAsync("Compliance Finding Suppressed", e => e["detail"]?["findingId"]?.GetValue<string>() == id, Timeout);
        suppressed["detail"]!["suppressedBy"]!.GetValue<string>().ShouldBe(Stack.AccountId);

        // Past RealertAfter, only the suppression keeps it quiet.
        await WaitUntilAsync(alertedBy + WorldStack.RealertAfter + TimeSpan.FromSeconds(1));
        var quiet = await SweepAsync("al3");
        (await AlertsAboutAsync(id)).Where(a => !a["Subject"]!.GetValue<string>().Contains("suppress")).Count().ShouldBe(1);
        quiet.Findings.Single(f => f["findingId"]!.GetValue<string>() == id)["suppressedUntil"].ShouldNotBeNull();
        quiet.Summary["suppressedByType"]!["UnmanagedPeering"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);

        await WaitUntilAsync(until + TimeSpan.FromSeconds(1));
        await SweepAsync("al3");
        var alerts = (await AlertsAboutAsync(id)).Where(a => !a["Subject"]!.GetValue<string>().Contains("suppress")).ToList();
        alerts.Count.ShouldBe(2);
        alerts[^1]["Message"]!.GetValue<string>().ShouldContain($"Suppression ended, still open: UnmanagedPeering (MEDIUM) {id}");
    }

    [Fact]
    public async Task FlowLogRemediation_CreatesTheMissingFlowLogInTheVpcsAccountAndRegionLeavesExistingOnesAndResolves()
    {
        await ActivePeeringByHandAsync("al5", "al6");
        var (al5, al6) = (Stack.World.Vpc("al5"), Stack.World.Vpc("al6"));
        var al5Ec2 = await world.Ec2For("al5");
        var al6Ec2 = await world.Ec2For("al6");
        async Task<List<FlowLog>> FlowLogsOf(Amazon.EC2.IAmazonEC2 ec2, string vpcId) =>
            ((await ec2.DescribeFlowLogsAsync(new DescribeFlowLogsRequest { Filter = [new Filter("resource-id", [vpcId])] })).FlowLogs ?? [])
                .Where(f => f.ResourceId == vpcId).ToList();
        var al5Before = (await FlowLogsOf(al5Ec2, al5.VpcId)).Select(f => f.FlowLogId).Order().ToList();
        al5Before.ShouldNotBeEmpty();
        (await FlowLogsOf(al6Ec2, al6.VpcId)).ShouldBeEmpty();

        var first = await SweepAsync("al5", "al6");

        var missing = first.Findings.Single(f => f["findingType"]!.GetValue<string>() == "FlowLogsMissing" && f["vpcId"]!.GetValue<string>() == al6.VpcId);
        missing["remediation"]!.GetValue<string>().ShouldContain("created");
        var enabled = first.FlowLogsEnabled.ShouldHaveSingleItem();
        enabled["vpcId"]!.GetValue<string>().ShouldBe(al6.VpcId);
        enabled["accountId"]!.GetValue<string>().ShouldBe(al6.AccountId);
        enabled["region"]!.GetValue<string>().ShouldBe(al6.Region);
        await Stack.Driver.WaitForOutcomeAsync("Flow Logs Enabled", e => e["detail"]?["vpcId"]?.GetValue<string>() == al6.VpcId, Timeout);
        var created = (await FlowLogsOf(al6Ec2, al6.VpcId)).ShouldHaveSingleItem();
        created.TrafficType.Value.ShouldBe("ALL");
        created.LogGroupName.ShouldBe($"/vpc-flow-logs/{al6.AccountId}/{al6.VpcId}");
        created.DeliverLogsPermissionArn.ShouldBe($"arn:aws:iam::{al6.AccountId}:role/PeeringAutomationFlowLogDelivery");
        created.FlowLogId.ShouldBe(enabled["flowLogId"]!.GetValue<string>());
        (await FlowLogsOf(al5Ec2, al5.VpcId)).Select(f => f.FlowLogId).Order().ToList().ShouldBe(al5Before);

        var second = await SweepAsync("al5", "al6");

        second.Resolved.ShouldContain(r => r["findingId"]!.GetValue<string>() == missing["findingId"]!.GetValue<string>());
        second.FlowLogsEnabled.ShouldBeEmpty();
        (await FlowLogsOf(al6Ec2, al6.VpcId)).ShouldHaveSingleItem();
    }
}
