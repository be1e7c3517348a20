using System.Text.Json.Nodes;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Functions.Compliance;

namespace PeeringAutomation.Functions.Tests;

public sealed class ComplianceTests
{
    private readonly ProvisioningWorld world = new();

    /// <summary>
    /// Plan → evaluate every scope → summarize, as the state machine does; returns
    /// <c>{findings, summary}</c> with the findings as the emitted event details.
    /// </summary>
    internal static async Task<JsonNode> SweepAsync(ProvisioningWorld world, JsonObject? request = null)
    {
        var envelope = request ?? new JsonObject
        {
            ["id"] = $"sweep-{Guid.NewGuid():N}", ["source"] = "aws.events", ["detail-type"] = "Scheduled Event", ["detail"] = new JsonObject(),
        };
        var plan = await ProvisioningWorld.InvokeAsync(new PlanComplianceSweepFunction(world.Services).Handle, envelope);
        var evaluations = new JsonArray();
        var findings = new JsonArray();
        var resolved = new JsonArray();
        var enabled = new JsonArray();
        var alerts = new JsonArray();
        foreach (var scope in plan["scopes"]!.AsArray())
        {
            // "More findings in this scope?" → "Read the next page of findings" → evaluate again.
            var input = scope!.DeepClone();
            JsonNode report;
            while (true)
            {
                report = await ProvisioningWorld.InvokeAsync(new EvaluateComplianceScopeFunction(world.Services).Handle, input);
                foreach (var batch in report["batches"]!.AsArray())
                {
                    if (batch!["message"] is { } message)
                    {
                        alerts.Add(new JsonObject { ["subject"] = batch["subject"]!.DeepClone(), ["message"] = message.DeepClone() });
                    }
                    foreach (var entry in batch["entries"]!.AsArray())
                    {
                        var detail = JsonNode.Parse(entry!["Detail"]!.GetValue<string>());
                        switch (entry["DetailType"]!.GetValue<string>())
                        {
                            case "Peering Compliance Finding":
                                findings.Add(detail);
                                break;
                            case "Peering Compliance Finding Resolved":
                                resolved.Add(detail);
                                break;
                            case "Flow Logs Enabled":
                                enabled.Add(detail);
                                break;
                            default:
                                throw new ShouldAssertException($"unexpected event {entry["DetailType"]}");
                        }
                    }
                }
                if (report["nextPage"] is null)
                {
                    break;
                }
                input = new JsonObject
                {
                    ["accountId"] = report["accountId"]!.DeepClone(), ["region"] = report["region"]!.DeepClone(),
                    ["after"] = report["nextPage"]!.DeepClone(), ["apiCallsBefore"] = report["apiCalls"]!.DeepClone(),
                    ["sweepId"] = report["sweepId"]!.DeepClone(),
                };
            }
            evaluations.Add(report.DeepClone());
        }
        var results = plan.DeepClone().AsObject();
        results["evaluations"] = evaluations;
        var summary = await ProvisioningWorld.InvokeAsync(new SummarizeComplianceFunction(world.Services).Handle, results);
        return new JsonObject
        {
            ["findings"] = findings, ["resolved"] = resolved, ["flowLogsEnabled"] = enabled, ["alerts"] = alerts,
            ["summary"] = summary["summary"]!.DeepClone(),
        };
    }

    private static IEnumerable<JsonNode> Findings(JsonNode report, string type) =>
        report["findings"]!.AsArray().Where(f => f!["findingType"]!.GetValue<string>() == type)!;

    [Fact]
    public async Task ComplianceSweep_ReportsOneFlowLogsMissingForTheUnmonitoredSideGivenOneSideLogged()
    {
        await world.ProvisionAsync(world.Event());

        var report = await SweepAsync(world);

        var finding = report["findings"]!.AsArray().ShouldHaveSingleItem()!;
        finding["findingType"]!.GetValue<string>().ShouldBe("FlowLogsMissing");
        finding["vpcId"]!.GetValue<string>().ShouldBe(world.AccepterVpc.Value);
        finding["accountId"]!.GetValue<string>().ShouldBe(ProvisioningWorld.Accepter.Account.Value);
        finding["region"]!.GetValue<string>().ShouldBe(ProvisioningWorld.Accepter.Region.Value);
        finding.AsObject().ContainsKey("scope").ShouldBeFalse(); // the typed ids serialise as the strings the event contract names, and nothing more
        finding["message"]!.GetValue<string>().ShouldContain("not monitored");
        report["summary"]!["findingsByType"]!["FlowLogsMissing"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task ComplianceSweep_IsCleanGivenFlowLogAddedAfterwards()
    {
        await world.ProvisionAsync(world.Event());
        await SweepAsync(world);
        world.Ec2.FlowLogs.Add((ProvisioningWorld.Accepter, new FlowLog("fl-2", world.AccepterVpc.Value, "ACTIVE", "ALL")));

        var report = await SweepAsync(world);

        report["findings"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task ComplianceSweep_KeepsFindingIdsStableGivenTwoSweeps()
    {
        await world.ProvisionAsync(world.Event());

        var first = await SweepAsync(world);
        var second = await SweepAsync(world);

        second["findings"]![0]!["findingId"]!.GetValue<string>().ShouldBe(first["findings"]![0]!["findingId"]!.GetValue<string>());
    }

    [Fact]
    public async Task ComplianceSweep_ReportsLowSeverityGivenFlowLogOfRejectedTrafficOnly()
    {
        world.Ec2.FlowLogs.Add((ProvisioningWorld.Accepter, new FlowLog("fl-2", world.AccepterVpc.Value, "ACTIVE", "REJECT")));
        await world.ProvisionAsync(world.Event());

        var report = await SweepAsync(world);

        var finding = Findings(report, "FlowLogsPartial").ShouldHaveSingleItem();
        finding["severity"]!.GetValue<string>().ShouldBe("LOW");
    }

    [Fact]
    public async Task ComplianceSweep_ReportsUnmanagedPeeringGivenHandMadeActivePeering()
    {
        var id = await ActiveHandMadePeeringAsync(ProvisioningWorld.Requester, "172.31.0.0/16");

        var report = await SweepAsync(world);

        Findings(report, "UnmanagedPeering").ShouldContain(f => f["vpcPeeringConnectionId"]!.GetValue<string>() == id.Value);
    }

    [Fact]
    public async Task ComplianceSweep_ReportsPeerAccountNotAllowedGivenPeeringWithForeignAccount()
    {
        var id = await ActiveHandMadePeeringAsync(new AccountRegion(AccountId.Parse("333333333333"), AwsRegion.Parse("eu-west-1")), "172.31.0.0/16");

        var report = await SweepAsync(world);

        var finding = Findings(report, "PeerAccountNotAllowed").ShouldHaveSingleItem();
        finding["vpcPeeringConnectionId"]!.GetValue<string>().ShouldBe(id.Value);
        finding["message"]!.GetValue<string>().ShouldContain("333333333333");
    }

    [Fact]
    public async Task ComplianceSweep_ReportsBlackholeRouteGivenRouteToDeletedPeering()
    {
        await world.ProvisionAsync(world.Event());
        var id = world.Ec2.Peerings.Keys.Single();
        world.Ec2.Peerings[id] = world.Ec2.Peerings[id] with { Status = PeeringStatus.Deleted };

        var report = await SweepAsync(world);

        var blackholes = Findings(report, "BlackholeRoute").ToList();
        blackholes.Count.ShouldBe(2); // one route on each side
        blackholes.ShouldAllBe(f => f["message"]!.GetValue<string>().Contains("deleted"));
    }

    [Fact]
    public async Task ComplianceSweep_ReportsRouteTooBroadGivenRouteWiderThanPeerVpc()
    {
        await world.ProvisionAsync(world.Event());
        var id = world.Ec2.Peerings.Keys.Single();
        var gateway = await world.Ec2.ForAsync(ProvisioningWorld.Requester);
        await gateway.CreateRouteAsync(world.RequesterTable, Cidr.Parse("10.0.0.0/8"), id);

        var report = await SweepAsync(world);

        var finding = Findings(report, "RouteTooBroad").ShouldHaveSingleItem();
        finding["destination"]!.GetValue<string>().ShouldBe("10.0.0.0/8");
        finding["routeTableId"]!.GetValue<string>().ShouldBe(world.RequesterTable.Value);
    }

    [Fact]
    public async Task ComplianceSweep_ReportsPeeringExpiredGivenExpiryPassedAndStillActive()
    {
        await world.ProvisionAsync(world.Event());
        var id = world.Ec2.Peerings.Keys.Single();
        world.Ec2.Peerings[id] = world.Ec2.Peerings[id] with
        {
            Tags = new Dictionary<string, string>(world.Ec2.Peerings[id].Tags) { [ManagedMarkers.ExpiresAtTag] = "2020-01-01T00:00:00Z" },
        };

        var report = await SweepAsync(world);

        Findings(report, "PeeringExpired").ShouldHaveSingleItem()["vpcPeeringConnectionId"]!.GetValue<string>().ShouldBe(id.Value);
    }

    [Fact]
    public async Task ComplianceSweep_ReportsScanFailedAndScansTheRestGivenUnreachableAccount()
    {
        await world.ProvisionAsync(world.Event());
        world.Ec2.UnreachableAccounts.Add(ProvisioningWorld.Requester.Account);

        var report = await SweepAsync(world);

        Findings(report, "ScanFailed").Count().ShouldBe(2); // both regions of that account
        Findings(report, "FlowLogsMissing").ShouldHaveSingleItem();
        report["summary"]!["scopesFailed"]!.AsArray().Count.ShouldBe(2);
        report["summary"]!["accountsScanned"]!.AsArray().Select(a => a!.GetValue<string>())
            .ShouldBe([ProvisioningWorld.Accepter.Account.Value]);
    }

    [Fact]
    public async Task PlanComplianceSweepFunctionHandle_ScansOnlyRequestedManagedScopesGivenRequest()
    {
        var request = new JsonObject
        {
            ["id"] = "req-1", ["source"] = "vpc-peering", ["detail-type"] = "Compliance Check Requested",
            ["account"] = "123456789012", ["region"] = "us-east-1", ["time"] = "2026-11-27T10:00:00Z", ["version"] = "0",
            ["resources"] = new JsonArray(),
            ["detail"] = new JsonObject { ["accountIds"] = new JsonArray("222222222222", "999999999999"), ["regions"] = new JsonArray("eu-west-1") },
        };

        var plan = await ProvisioningWorld.InvokeAsync(new PlanComplianceSweepFunction(world.Services).Handle, request);

        plan["scopes"]!.AsArray().ShouldHaveSingleItem()!["accountId"]!.GetValue<string>().ShouldBe("222222222222");
        plan["ignored"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>().ShouldContain("999999999999");
    }

    [Fact]
    public async Task ComplianceSweep_UsesFixedApiCallsPerScopeGivenManyPeerings()
    {
        for (var i = 0; i < 20; i++)
        {
            await ActiveHandMadePeeringAsync(ProvisioningWorld.Requester, $"172.{16 + i}.0.0/16");
        }

        var report = await SweepAsync(world);

        // 4 scopes × (peerings, VPCs, route tables, flow logs) + one peer-VPC describe per peered scope.
        report["summary"]!["apiCalls"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(4 * 4 + 2);
    }

    private async Task<PeeringConnectionId> ActiveHandMadePeeringAsync(AccountRegion requester, string cidr)
    {
        var id = await world.RequestFromOutsideAsync(requester, cidr);
        world.Ec2.Peerings[id] = world.Ec2.Peerings[id] with { Status = PeeringStatus.Active };
        return id;
    }
}
