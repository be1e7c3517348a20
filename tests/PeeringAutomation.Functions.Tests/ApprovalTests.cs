using System.Text.Json.Nodes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Tests;

/// <summary>Approvals (README "Approvals"): requester 111…, accepter 222…, platform = hub 123….</summary>
public sealed class ApprovalTests
{
    private const string RequesterAccount = "111111111111";
    private const string AccepterAccount = "222222222222";
    private const string Platform = "123456789012";
    private const string Stranger = "333333333333";
    private const string Decision1 = "arn:aws:states:us-east-1:123456789012:execution:provision:decision-1";
    private const string Decision2 = "arn:aws:states:us-east-1:123456789012:execution:provision:decision-2";
    private static readonly RequestId Id = RequestId.Parse("chg-42");
    private readonly ProvisioningWorld world = new();

    private RequestRecord Record => world.Ledger.Records[Id];

    private async Task<JsonObject> AskAsync(string asker = RequesterAccount, Action<JsonObject>? detail = null)
    {
        var envelope = world.Event(detail);
        envelope["account"] = asker;
        return await world.ProvisionAsync(envelope);
    }

    private void Tag(VpcId vpc, string key, string value)
    {
        var index = world.Ec2.Vpcs.FindIndex(v => v.Vpc.Id == vpc);
        var current = world.Ec2.Vpcs[index].Vpc;
        world.Ec2.Vpcs[index] = (world.Ec2.Vpcs[index].Scope, current with { Tags = new Dictionary<string, string>(current.Tags) { [key] = value } });
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_WaitsForTheAccepterGivenNoConsent()
    {
        var state = await AskAsync();

        state["accepted"]!.GetValue<bool>().ShouldBeFalse();
        state["outcome"].ShouldBeNull("waiting is not a rejection");
        var asked = state["approvalRequested"]!;
        asked["account"]!.GetValue<string>().ShouldBe(RequesterAccount);
        var approvers = asked["approvers"]!.AsArray().ShouldHaveSingleItem()!;
        approvers["code"]!.GetValue<string>().ShouldBe("AccepterConsentRequired");
        approvers["approvers"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldBe([AccepterAccount, Platform]);
        asked["approveCommand"]!.GetValue<string>().ShouldContain("Peering Approval Decided");
        asked["approveCommand"]!.GetValue<string>().ShouldNotContain("token", Case.Insensitive);
        asked["plan"]!["requesterSecurityGroupRules"]!.AsArray().ShouldHaveSingleItem();
        DateTimeOffset.Parse(asked["deadline"]!.GetValue<string>()).ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(71));
        Record.Status.ShouldBe(LedgerStatus.AwaitingApproval);
        world.Ledger.Locks.ShouldHaveSingleItem();
        world.Ec2.Peerings.ShouldBeEmpty();
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_ProvisionsGivenTheAccepterApproves()
    {
        await AskAsync();

        var state = await world.DecideAsync(AccepterAccount, "chg-42", "approve", Decision1, "ok for the migration");

        state["accepted"]!.GetValue<bool>().ShouldBeTrue(state.ToJsonString());
        world.Ec2.Peerings.Values.ShouldHaveSingleItem().Status.ShouldBe(PeeringStatus.Active);
        Record.Status.ShouldBe(LedgerStatus.Provisioned);
        Record.ExecutionArn.ShouldBe(Decision1, "the deciding execution owns the request from the approval on");
        Record.Approvals.ShouldHaveSingleItem().ApprovedBy.ShouldBe(AccepterAccount);
        Record.History.Select(h => h.Status).ShouldBe(["Requested", "AwaitingApproval", "Provisioning", "Provisioned"]);
        Record.History[2].Detail!.ShouldContain("ok for the migration");
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_IgnoresAndRecordsADecisionFromAnAccountThatIsNoApprover()
    {
        await AskAsync();

        var state = await world.DecideAsync(Stranger, "chg-42", "approve", Decision1);

        state["decisionNoted"]!["result"]!.GetValue<string>().ShouldBe("ignored");
        state["decisionNoted"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ApprovalNotAuthorized");
        Record.Status.ShouldBe(LedgerStatus.AwaitingApproval);
        Record.History.Last().Detail!.ShouldContain(Stranger);
        world.Ec2.Peerings.ShouldBeEmpty();
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_RejectsNamingTheDeciderAndReleasesThePair()
    {
        await AskAsync();

        var state = await world.DecideAsync(AccepterAccount, "chg-42", "reject", Decision1, "not this quarter");

        var reason = state["outcome"]!["reasons"]!.AsArray().ShouldHaveSingleItem()!;
        reason["code"]!.GetValue<string>().ShouldBe("ApprovalRejected");
        reason["message"]!.GetValue<string>().ShouldContain("not this quarter");
        state["outcome"]!["decidedBy"]!.GetValue<string>().ShouldBe(AccepterAccount);
        Record.Status.ShouldBe(LedgerStatus.Rejected);
        world.Ledger.Locks.ShouldBeEmpty();
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_NeedsEveryTriggerButAPlatformApprovalCoversThemAll()
    {
        Tag(world.RequesterVpc, "peering-automation:approval", "required");
        Tag(world.AccepterVpc, "peering-automation:approval", "required");
        await AskAsync();
        // The requester asked for its own VPC marked required: implied. The accepter's mark and consent remain.
        Record.Approvals.Select(a => a.Code).ShouldBe(["AccepterConsentRequired", "VpcApprovalRequired"], ignoreOrder: true);

        var platform = await world.DecideAsync(Platform, "chg-42", "approve", Decision1);

        platform["accepted"]!.GetValue<bool>().ShouldBeTrue(platform.ToJsonString());
        Record.Approvals.ShouldAllBe(a => a.ApprovedBy == Platform);
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_CountsOneYesForEveryTriggerThatAccountApproves()
    {
        Tag(world.AccepterVpc, "peering-automation:approval", "required");
        await AskAsync(detail: d => ((JsonObject)d["requester"]!)["ingressFromPeer"] = new JsonArray(new JsonObject
        {
            ["securityGroupId"] = world.RequesterGroup.Value, ["protocol"] = "tcp", ["fromPort"] = 443, ["toPort"] = 443,
        }));
        Record.Approvals.Count.ShouldBe(2);

        var accepter = await world.DecideAsync(AccepterAccount, "chg-42", "approve", Decision1);

        // The accepter's yes covers both its consent and its own VPC's mark.
        accepter["accepted"]!.GetValue<bool>().ShouldBeTrue(accepter.ToJsonString());
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_HasOneEffectGivenTheSameApprovalTwiceAndTwoAtOnce()
    {
        await AskAsync();

        var first = await world.DecideAsync(AccepterAccount, "chg-42", "approve", Decision1);
        var again = await world.DecideAsync(Platform, "chg-42", "approve", Decision2);

        first["accepted"]!.GetValue<bool>().ShouldBeTrue();
        again["decisionNoted"]!["result"]!.GetValue<string>().ShouldBe("ignored");
        again["decisionNoted"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ApprovalNotPending");
        world.Ec2.Peerings.Values.ShouldHaveSingleItem();
        Record.ExecutionArn.ShouldBe(Decision1);
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_RejectsAtRevalidationGivenTheStateChangedWhilePeopleThought()
    {
        await AskAsync();
        // While people think, the accepter VPC gains a block that overlaps the requester's.
        var index = world.Ec2.Vpcs.FindIndex(v => v.Vpc.Id == world.AccepterVpc);
        world.Ec2.Vpcs[index] = (world.Ec2.Vpcs[index].Scope, world.Ec2.Vpcs[index].Vpc with
        {
            Ipv4Blocks = [.. world.Ec2.Vpcs[index].Vpc.Ipv4Blocks, Cidr.Parse("10.1.128.0/20")],
        });

        var state = await world.DecideAsync(AccepterAccount, "chg-42", "approve", Decision1);

        state["outcome"]!["reasons"]!.AsArray().Select(r => r!["code"]!.GetValue<string>()).ShouldContain("CidrOverlap");
        Record.Status.ShouldBe(LedgerStatus.Rejected);
        world.Ledger.Locks.ShouldBeEmpty();
        world.Ec2.Peerings.ShouldBeEmpty();
    }

    [Fact]
    public async Task ApprovalDeadline_ExpiresTheRequestOnDecisionAndOnTheSweep()
    {
        await AskAsync();
        world.Ledger.Records[Id] = Record with { ApprovalDeadline = DateTimeOffset.UtcNow.AddMinutes(-1) };

        var late = await world.DecideAsync(AccepterAccount, "chg-42", "approve", Decision1);

        late["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ApprovalExpired");
        Record.Status.ShouldBe(LedgerStatus.Rejected);
        world.Ledger.Locks.ShouldBeEmpty();

        var other = new ProvisioningWorld();
        var envelope = other.Event();
        envelope["account"] = RequesterAccount;
        await other.ProvisionAsync(envelope);
        other.Ledger.Records[Id] = other.Ledger.Records[Id] with { ApprovalDeadline = DateTimeOffset.UtcNow.AddMinutes(-1) };
        var sweep = await ProvisioningWorld.InvokeAsync(new Teardown.ResolveTeardownFunction(other.Services).Handle, new JsonObject
        {
            ["source"] = "aws.events", ["detail-type"] = "Scheduled Event", ["account"] = Platform, ["id"] = "tick", ["detail"] = new JsonObject(),
        });
        sweep["expiredApprovals"]!.AsArray().ShouldHaveSingleItem()!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ApprovalExpired");
        other.Ledger.Locks.ShouldBeEmpty();
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_NeedsAPlatformApprovalGivenAllTrafficOrInterRegionWhenAsked()
    {
        var strict = new ProvisioningWorld(s => s with { Policy = s.Policy with { ApproveInterRegion = true, AllowAllTraffic = true } });
        strict.AccepterConsentsTo(RequesterAccount);
        var envelope = strict.Event(d => ((JsonObject)d["requester"]!)["ingressFromPeer"] = new JsonArray(new JsonObject
        {
            ["securityGroupId"] = strict.RequesterGroup.Value, ["protocol"] = "-1", ["fromPort"] = -1, ["toPort"] = -1,
        }));
        envelope["account"] = RequesterAccount;

        var state = await strict.ProvisionAsync(envelope);

        var groups = state["approvalRequested"]!["approvers"]!.AsArray();
        groups.Select(g => g!["code"]!.GetValue<string>()).ShouldBe(["InterRegion", "AllTraffic"], ignoreOrder: true);
        groups.ShouldAllBe(g => g!["approvers"]!.AsArray().Select(a => a!.GetValue<string>()).SequenceEqual(new[] { Platform }));
        (await strict.DecideAsync(AccepterAccount, "chg-42", "approve", Decision1))["decisionNoted"]!["reasons"]![0]!["code"]!
            .GetValue<string>().ShouldBe("ApprovalNotAuthorized");
    }
}
