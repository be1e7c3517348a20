using System.Text;
using System.Text.Json.Nodes;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.Compliance;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// One account-region with 10,000 findings: the sweep must finish with its summary, each
/// iteration's state (one page) staying under Step Functions' 256 KB.
/// </summary>
public sealed class ComplianceLimitsTests
{
    private const int StateLimitBytes = 256 * 1024;

    /// <summary>10,000 routes to peerings that no longer exist: one BlackholeRoute finding each.</summary>
    private static ProvisioningWorld WorldWithBlackholes(int count, Func<FunctionSettings, FunctionSettings>? configure = null)
    {
        var world = new ProvisioningWorld(configure);
        const int perTable = 50;
        for (var t = 0; t * perTable < count; t++)
        {
            var table = RouteTableId.Parse(world.Ec2.NewId("rtb"));
            var routes = Enumerable.Range(t * perTable, Math.Min(perTable, count - t * perTable))
                .Select(i => new Route(Cidr.Parse($"10.{100 + i % 100}.{i / 100 % 256}.0/24"), RouteTargetKind.PeeringConnection, $"pcx-{i:x17}", "blackhole"))
                .ToList();
            world.Ec2.RouteTables.Add((ProvisioningWorld.Requester, new RouteTable { Id = table, VpcId = world.RequesterVpc, IsMain = false, Routes = routes }));
        }
        return world;
    }

    [Fact]
    public async Task ComplianceSweep_CompletesWithSummaryInPagesGivenTenThousandFindingsInOneScope()
    {
        var world = WorldWithBlackholes(10_000);
        var pages = 0;
        var largestPage = 0;
        var evaluate = new EvaluateComplianceScopeFunction(world.Services);
        // As the state machine calls it: one sweep id for all pages, so later pages page through the first one's snapshot.
        JsonNode input = new JsonObject
        {
            ["accountId"] = ProvisioningWorld.Requester.Account.Value, ["region"] = ProvisioningWorld.Requester.Region.Value, ["sweepId"] = "sweep-10k",
        };
        var ids = new HashSet<string>();
        JsonNode report;
        while (true)
        {
            report = await ProvisioningWorld.InvokeAsync(evaluate.Handle, input);
            pages++;
            largestPage = Math.Max(largestPage, Encoding.UTF8.GetByteCount(report.ToJsonString()));
            foreach (var batch in report["batches"]!.AsArray())
            {
                var entries = batch!["entries"]!.AsArray();
                entries.Count.ShouldBeLessThanOrEqualTo(10);
                foreach (var entry in entries)
                {
                    ids.Add(JsonNode.Parse(entry!["Detail"]!.GetValue<string>())!["findingId"]!.GetValue<string>()).ShouldBeTrue("a finding was emitted twice");
                }
            }
            if (report["nextPage"] is null)
            {
                break;
            }
            input = new JsonObject
            {
                ["accountId"] = report["accountId"]!.DeepClone(), ["region"] = report["region"]!.DeepClone(),
                ["after"] = report["nextPage"]!.DeepClone(), ["apiCallsBefore"] = report["apiCalls"]!.DeepClone(), ["sweepId"] = "sweep-10k",
            };
        }

        ids.Count.ShouldBe(10_000);
        pages.ShouldBe(10_000 / FunctionSettings.DefaultComplianceFindingsPageSize);
        largestPage.ShouldBeLessThan(StateLimitBytes);

        var summary = (await ComplianceTests.SweepAsync(world))["summary"]!;
        summary["findingsByType"]!["BlackholeRoute"]!.GetValue<int>().ShouldBe(10_000);
        summary["findingCount"]!.GetValue<int>().ShouldBe(10_000);
        Encoding.UTF8.GetByteCount(summary.ToJsonString()).ShouldBeLessThan(StateLimitBytes);
    }

    [Fact]
    public async Task ComplianceSweep_EmitsEveryFindingOnceAndMakesTheScopesCallsOnceGivenSmallPageSize()
    {
        var world = WorldWithBlackholes(25, s => s with { ComplianceFindingsPageSize = 10 });

        var report = await ComplianceTests.SweepAsync(world);

        var findings = report["findings"]!.AsArray();
        findings.Count.ShouldBe(25);
        findings.Select(f => f!["findingId"]!.GetValue<string>()).Distinct().Count().ShouldBe(25);
        // Three pages of the same sweep: the later two page through the first one's snapshot, so the
        // scope's describe calls are made and counted once, as with one page.
        var single = (await ComplianceTests.SweepAsync(WorldWithBlackholes(25)))["summary"]!["apiCalls"]!.GetValue<int>();
        report["summary"]!["apiCalls"]!.GetValue<int>().ShouldBe(single);
    }

    [Fact]
    public void FunctionSettingsFrom_RejectsPageSizeGivenZero()
    {
        var variables = new Dictionary<string, string>
        {
            ["MANAGED_ACCOUNT_IDS"] = "111111111111", ["MANAGED_REGIONS"] = "us-east-1", ["HUB_ACCOUNT_ID"] = "123456789012",
            ["AWS_REGION"] = "us-east-1", ["MEMBER_ROLE_NAME"] = "r", ["COMPLIANCE_FINDINGS_PAGE_SIZE"] = "0",
        };

        Should.Throw<Core.PeeringRequestInvalid>(() => FunctionSettings.From(v => variables.GetValueOrDefault(v)))
            .Message.ShouldContain("COMPLIANCE_FINDINGS_PAGE_SIZE: '0' is not a number from 1 to 200");
    }
}
