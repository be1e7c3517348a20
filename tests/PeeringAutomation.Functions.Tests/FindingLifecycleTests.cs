using System.Text.Json.Nodes;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.Compliance;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}

public sealed class FindingLifecycleTests
{
    private static readonly FlowLogRemediationSettings CloudWatch =
        new(FlowLogDelivery.CloudWatch, "/vpc-flow-logs/{accountId}/{vpcId}", "PeeringAutomationFlowLogDelivery");

    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    private ProvisioningWorld World(FlowLogRemediationSettings? remediation = null) =>
        new(s => s with { RealertAfter = TimeSpan.FromDays(7), FlowLogRemediation = remediation ?? FlowLogRemediationSettings.Off }, clock);

    private static IEnumerable<JsonNode> AlertsAbout(JsonNode report, string findingId) =>
        report["alerts"]!.AsArray().Where(a => a!["message"]!.GetValue<string>().Contains(findingId))!;

    private static async Task<JsonNode> SuppressAsync(ProvisioningWorld world, string account, string findingId, DateTimeOffset until)
    {
        var output = await ProvisioningWorld.InvokeAsync(new SuppressFindingFunction(world.Services).Handle, new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["account"] = account, ["source"] = "vpc-peering",
            ["detail-type"] = "Compliance Finding Suppression Requested",
            ["detail"] = new JsonObject { ["findingId"] = findingId, ["reason"] = "migration in progress", ["until"] = until.ToString("yyyy-MM-ddTHH:mm:ssZ") },
        });
        return output["entries"]![0]!;
    }

    [Fact]
    public async Task FindingLifecycle_AlertsOnceThenNotOnTheNextSweepGivenAFindingStillOpen()
    {
        var world = World();
        await world.ProvisionAsync(world.Event());

        var first = await ComplianceTests.SweepAsync(world);
        clock.Advance(TimeSpan.FromHours(1));
        var second = await ComplianceTests.SweepAsync(world);

        var id = first["findings"]![0]!["findingId"]!.GetValue<string>();
        AlertsAbout(first, id).ShouldHaveSingleItem()!["message"]!.GetValue<string>().ShouldStartWith("New: FlowLogsMissing");
        second["findings"]!.AsArray().ShouldHaveSingleItem()!["findingId"]!.GetValue<string>().ShouldBe(id, "the bus still hears it every sweep");
        second["findings"]![0]!["firstSeen"]!.GetValue<string>().ShouldBe("2026-11-30T09:00:00Z");
        AlertsAbout(second, id).ShouldBeEmpty();
    }

    [Fact]
    public async Task FindingLifecycle_AlertsAgainGivenRealertAfterPassed()
    {
        var world = World();
        await world.ProvisionAsync(world.Event());
        var id = (await ComplianceTests.SweepAsync(world))["findings"]![0]!["findingId"]!.GetValue<string>();

        clock.Advance(TimeSpan.FromDays(7));
        var later = await ComplianceTests.SweepAsync(world);

        AlertsAbout(later, id).ShouldHaveSingleItem()!["message"]!.GetValue<string>().ShouldStartWith("Still open: FlowLogsMissing");
    }

    [Fact]
    public async Task FindingLifecycle_EmitsResolvedAndAlertsOnceGivenTheProblemFixed()
    {
        var world = World();
        await world.ProvisionAsync(world.Event());
        var id = (await ComplianceTests.SweepAsync(world))["findings"]![0]!["findingId"]!.GetValue<string>();
        world.Ec2.FlowLogs.Add((ProvisioningWorld.Accepter, new FlowLog("fl-2", world.AccepterVpc.Value, "ACTIVE", "ALL")));

        var fixedSweep = await ComplianceTests.SweepAsync(world);
        var after = await ComplianceTests.SweepAsync(world);

        var resolved = fixedSweep["resolved"]!.AsArray().ShouldHaveSingleItem()!;
        resolved["findingId"]!.GetValue<string>().ShouldBe(id);
        resolved["firstSeen"]!.GetValue<string>().ShouldBe("2026-11-30T09:00:00Z");
        AlertsAbout(fixedSweep, id).ShouldHaveSingleItem()!["message"]!.GetValue<string>().ShouldStartWith("Resolved: FlowLogsMissing");
        after["resolved"]!.AsArray().ShouldBeEmpty();
        AlertsAbout(after, id).ShouldBeEmpty();
    }

    [Fact]
    public async Task FindingLifecycle_AlertReadsAsSentencesThenJson()
    {
        var world = World();
        await world.ProvisionAsync(world.Event());

        var message = (await ComplianceTests.SweepAsync(world))["alerts"]![0]!["message"]!.GetValue<string>();

        message.ShouldContain("What: ");
        message.ShouldContain("Where: account 222222222222, region eu-west-1");
        message.ShouldContain("Why it matters: ");
        message.ShouldContain("What to do: ");
        var json = message[message.IndexOf("\n{", StringComparison.Ordinal)..];
        JsonNode.Parse(json)!["findingType"]!.GetValue<string>().ShouldBe("FlowLogsMissing");
    }

    [Fact]
    public async Task FindingSuppression_StopsAlertsUntilItsEndAndCountsApartGivenAPlatformAccount()
    {
        var world = World();
        await world.ProvisionAsync(world.Event());
        var id = (await ComplianceTests.SweepAsync(world))["findings"]![0]!["findingId"]!.GetValue<string>();

        var outcome = await SuppressAsync(world, "123456789012", id, clock.GetUtcNow().AddDays(10));
        clock.Advance(TimeSpan.FromDays(8));
        var quiet = await ComplianceTests.SweepAsync(world);
        clock.Advance(TimeSpan.FromDays(3));
        var loud = await ComplianceTests.SweepAsync(world);

        outcome["DetailType"]!.GetValue<string>().ShouldBe("Compliance Finding Suppressed");
        JsonNode.Parse(outcome["Detail"]!.GetValue<string>())!["suppressedBy"]!.GetValue<string>().ShouldBe("123456789012");
        world.Findings.Items[id].SuppressedBy.ShouldBe("123456789012");
        world.Findings.Items[id].SuppressionReason.ShouldBe("migration in progress");
        AlertsAbout(quiet, id).ShouldBeEmpty();
        quiet["findings"]!.AsArray().ShouldHaveSingleItem()!["suppressedUntil"].ShouldNotBeNull();
        quiet["summary"]!["suppressedByType"]!["FlowLogsMissing"]!.GetValue<int>().ShouldBe(1);
        quiet["summary"]!["findingsByType"]!["FlowLogsMissing"]!.GetValue<int>().ShouldBe(0);
        AlertsAbout(loud, id).ShouldHaveSingleItem()!["message"]!.GetValue<string>().ShouldStartWith("Suppression ended");
    }

    [Fact]
    public async Task FindingSuppression_IsRefusedGivenAMemberAccount()
    {
        var world = World();
        await world.ProvisionAsync(world.Event());
        var id = (await ComplianceTests.SweepAsync(world))["findings"]![0]!["findingId"]!.GetValue<string>();

        var outcome = await SuppressAsync(world, ProvisioningWorld.Accepter.Account.Value, id, clock.GetUtcNow().AddDays(10));

        outcome["DetailType"]!.GetValue<string>().ShouldBe("Compliance Finding Suppression Refused");
        JsonNode.Parse(outcome["Detail"]!.GetValue<string>())!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("RequesterNotAuthorized");
        world.Findings.Items[id].SuppressedUntil.ShouldBeNull();
    }

    [Fact]
    public async Task FindingSuppression_IsRefusedGivenAnUnknownFinding()
    {
        var world = World();

        var outcome = await SuppressAsync(world, "123456789012", "pcf-00000000000000000000", clock.GetUtcNow().AddDays(1));

        JsonNode.Parse(outcome["Detail"]!.GetValue<string>())!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("FindingUnknown");
    }

    [Fact]
    public async Task FlowLogRemediation_CreatesTheMissingFlowLogInTheVpcsAccountAndRegionThenResolves()
    {
        var world = World(CloudWatch);
        await world.ProvisionAsync(world.Event());

        var first = await ComplianceTests.SweepAsync(world);
        var second = await ComplianceTests.SweepAsync(world);

        var enabled = first["flowLogsEnabled"]!.AsArray().ShouldHaveSingleItem()!;
        enabled["vpcId"]!.GetValue<string>().ShouldBe(world.AccepterVpc.Value);
        enabled["accountId"]!.GetValue<string>().ShouldBe(ProvisioningWorld.Accepter.Account.Value);
        enabled["region"]!.GetValue<string>().ShouldBe(ProvisioningWorld.Accepter.Region.Value);
        enabled["logDestination"]!.GetValue<string>().ShouldBe($"/vpc-flow-logs/222222222222/{world.AccepterVpc}");
        var created = world.Ec2.FlowLogs.Where(f => f.Log.ResourceId == world.AccepterVpc.Value).ShouldHaveSingleItem();
        created.Scope.ShouldBe(ProvisioningWorld.Accepter);
        created.Log.TrafficType.ShouldBe("ALL");
        first["findings"]![0]!["remediation"]!.GetValue<string>().ShouldContain("created");
        second["resolved"]!.AsArray().ShouldHaveSingleItem();
        second["findings"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task FlowLogRemediation_LeavesExistingFlowLogsAloneGivenOneSideLogged()
    {
        var world = World(CloudWatch);
        await world.ProvisionAsync(world.Event());

        await ComplianceTests.SweepAsync(world);

        world.Ec2.FlowLogs.Where(f => f.Log.ResourceId == world.RequesterVpc.Value).ShouldHaveSingleItem().Log.Id.ShouldBe("fl-1");
        world.Ec2.Calls.Count(c => c == "ec2:CreateFlowLogs").ShouldBe(1);
    }

    [Fact]
    public async Task FlowLogRemediation_IsOffByDefault()
    {
        var world = new ProvisioningWorld(clock: clock);
        await world.ProvisionAsync(world.Event());
        world.Ec2.Calls.Clear();

        var report = await ComplianceTests.SweepAsync(world);

        world.Services.Settings.FlowLogRemediation.Enabled.ShouldBeFalse();
        world.Ec2.Calls.ShouldNotContain("ec2:CreateFlowLogs");
        report["flowLogsEnabled"]!.AsArray().ShouldBeEmpty();
        FunctionSettings.From(name => Env.GetValueOrDefault(name)).FlowLogRemediation.Enabled.ShouldBeFalse();
        FunctionSettings.From(name => Env.GetValueOrDefault(name)).RealertAfter.ShouldBe(TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task FlowLogRemediation_ReportsFailureOnTheFindingNotAsASweepFailure()
    {
        var world = World(CloudWatch);
        await world.ProvisionAsync(world.Event());
        world.Ec2.FailFlowLogCreation = true;

        var report = await ComplianceTests.SweepAsync(world);

        report["findings"]![0]!["remediation"]!.GetValue<string>().ShouldContain("failed");
        report["summary"]!["scopesFailed"]!.AsArray().ShouldBeEmpty();
        report["flowLogsEnabled"]!.AsArray().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("s3", "arn:aws:s3:::bucket/prefix")]
    [InlineData("cloudwatch", "")]
    [InlineData("sometimes", "x")]
    public void FunctionSettings_RejectsRemediationGivenABadDestination(string mode, string destination)
    {
        var env = new Dictionary<string, string>(Env) { ["FLOW_LOG_REMEDIATION"] = mode, ["FLOW_LOG_DESTINATION"] = destination };

        Should.Throw<Core.PeeringRequestInvalid>(() => FunctionSettings.From(name => env.GetValueOrDefault(name)));
    }

    private static readonly Dictionary<string, string> Env = new()
    {
        ["MANAGED_ACCOUNT_IDS"] = "111111111111", ["MANAGED_REGIONS"] = "us-east-1", ["HUB_ACCOUNT_ID"] = "123456789012",
        ["AWS_REGION"] = "us-east-1", ["MEMBER_ROLE_NAME"] = "PeeringAutomationMemberRole", ["LEDGER_TABLE_NAME"] = "t",
    };
}

public sealed class NaclWarningTests
{
    [Fact]
    public async Task CheckFlowLogs_ReportsNaclWarningsInPeeringProvisionedGivenADenyBeforeTheAllow()
    {
        var world = new ProvisioningWorld();
        var subnet = "subnet-0aaaaaaaaaaaaaaa1";
        var index = world.Ec2.RouteTables.FindIndex(t => t.Table.Id == world.AccepterTable);
        world.Ec2.RouteTables[index] = (world.Ec2.RouteTables[index].Scope, world.Ec2.RouteTables[index].Table with { SubnetIds = [subnet] });
        world.Ec2.NetworkAcls.Add((ProvisioningWorld.Accepter, new NetworkAcl
        {
            Id = "acl-0aaaaaaaaaaaaaaa1", VpcId = world.AccepterVpc, IsDefault = false, SubnetIds = [subnet],
            Entries =
            [
                // The requester asked for 443 into its side from the accepter: the accepter's subnet must let it out.
                new NetworkAclEntry(50, true, "-1", false, Cidr.Parse("10.1.0.0/16")),
                new NetworkAclEntry(100, false, "-1", true, Cidr.Parse("0.0.0.0/0")),
                new NetworkAclEntry(100, true, "-1", true, Cidr.Parse("0.0.0.0/0")),
            ],
        }));

        var outcome = await world.ProvisionAsync(world.Event());

        var warning = outcome["provisioned"]!["outcome"]!["naclWarnings"]!.AsArray().ShouldHaveSingleItem()!;
        warning["side"]!.GetValue<string>().ShouldBe("accepter");
        warning["subnetId"]!.GetValue<string>().ShouldBe(subnet);
        warning["direction"]!.GetValue<string>().ShouldBe("egress");
        warning["ports"]!.GetValue<string>().ShouldBe("443-443");
        warning["ruleNumber"]!.GetValue<int>().ShouldBe(50);
    }

    [Fact]
    public async Task CheckFlowLogs_ReportsNoNaclWarningsGivenNoAclsDescribed()
    {
        var world = new ProvisioningWorld();

        var outcome = await world.ProvisionAsync(world.Event());

        outcome["provisioned"]!["outcome"]!["naclWarnings"]!.AsArray().ShouldBeEmpty();
    }
}

public sealed class AlertSubjectTests
{
    [Fact]
    public void EvaluateComplianceScopeSnsSubject_StaysUnderOneHundredAsciiCharactersGivenALongTypeAndRegion()
    {
        var subject = EvaluateComplianceScopeFunction.SnsSubject(
            "VPC peering compliance: Suppression ended, still open ManagedTagWithoutRecord in 123456789012/ap-southeast-2");

        subject.Length.ShouldBeLessThan(100);
        subject.ShouldAllBe(c => c < 128);
    }
}

public sealed class NaclComplianceTests
{
    private static ProvisioningWorld WorldWithRequesterAcl(params NetworkAclEntry[] entries)
    {
        var world = new ProvisioningWorld();
        var subnet = "subnet-0bbbbbbbbbbbbbbb1";
        var index = world.Ec2.RouteTables.FindIndex(t => t.Table.Id == world.RequesterTable);
        world.Ec2.RouteTables[index] = (world.Ec2.RouteTables[index].Scope, world.Ec2.RouteTables[index].Table with { SubnetIds = [subnet] });
        world.Ec2.NetworkAcls.Add((ProvisioningWorld.Requester, new NetworkAcl
        {
            Id = "acl-0bbbbbbbbbbbbbbb1", VpcId = world.RequesterVpc, IsDefault = false, SubnetIds = [subnet], Entries = entries,
        }));
        return world;
    }

    [Fact]
    public async Task ComplianceSweep_FindsNaclBlocksPeerTrafficGivenADenyBeforeTheAllowOnTheRequestedPort()
    {
        // The requester asked for 443 from the accepter's blocks (ProvisioningWorld.Event).
        var world = WorldWithRequesterAcl(
            new NetworkAclEntry(50, false, "6", false, Cidr.Parse("10.20.0.0/16"), 443, 443),
            new NetworkAclEntry(100, false, "-1", true, Cidr.Parse("0.0.0.0/0")),
            new NetworkAclEntry(100, true, "-1", true, Cidr.Parse("0.0.0.0/0")));
        await world.ProvisionAsync(world.Event());

        var report = await ComplianceTests.SweepAsync(world);

        var finding = report["findings"]!.AsArray().Single(f => f!["findingType"]!.GetValue<string>() == "NaclBlocksPeerTraffic")!;
        finding["severity"]!.GetValue<string>().ShouldBe("MEDIUM");
        finding["vpcId"]!.GetValue<string>().ShouldBe(world.RequesterVpc.Value);
        finding["message"]!.GetValue<string>().ShouldContain("rule 50");
    }

    [Fact]
    public async Task ComplianceSweep_FindsNoNaclProblemGivenTheDefaultAllowAll()
    {
        var world = WorldWithRequesterAcl(
            new NetworkAclEntry(100, false, "-1", true, Cidr.Parse("0.0.0.0/0")),
            new NetworkAclEntry(100, true, "-1", true, Cidr.Parse("0.0.0.0/0")),
            new NetworkAclEntry(32767, false, "-1", false, Cidr.Parse("0.0.0.0/0")),
            new NetworkAclEntry(32767, true, "-1", false, Cidr.Parse("0.0.0.0/0")));
        await world.ProvisionAsync(world.Event());

        var report = await ComplianceTests.SweepAsync(world);

        report["findings"]!.AsArray().ShouldNotContain(f => f!["findingType"]!.GetValue<string>() == "NaclBlocksPeerTraffic");
    }
}
