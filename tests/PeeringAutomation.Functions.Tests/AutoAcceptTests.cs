using System.Text.Json.Nodes;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Functions.AutoAccept;

namespace PeeringAutomation.Functions.Tests;

public sealed class AutoAcceptTests
{
    private static readonly AccountRegion Partner = new(AccountId.Parse("333333333333"), AwsRegion.Parse("eu-west-1"));

    private static async Task<JsonNode> ScanAsync(ProvisioningWorld world) =>
        await ProvisioningWorld.InvokeAsync(new AutoAcceptPeeringsFunction(world.Services).Handle, new JsonObject());

    private static ProvisioningWorld WorldAllowingPartner(bool rejectUnlisted = false)
    {
        var world = new ProvisioningWorld(s => s with
        {
            Policy = s.Policy with
            {
                AllowedPeerAccounts = new HashSet<AccountId> { ProvisioningWorld.Requester.Account, Partner.Account },
                RejectUnlistedRequests = rejectUnlisted,
            },
        });
        world.AccepterConsentsTo($"{Partner.Account},{ProvisioningWorld.Requester.Account}");
        return world;
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_AcceptsGivenAllowedPartnerWithoutOverlap()
    {
        var world = WorldAllowingPartner();
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");

        var result = await ScanAsync(world);

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.Active);
        // Tagged on the accepter's own side (AWS keeps tags per side), and recorded in the ledger.
        world.Ec2.AccepterTags[id][ManagedMarkers.AcceptedByTag].ShouldBe("auto-accept");
        world.Ec2.AccepterTags[id][ManagedMarkers.ManagedTag].ShouldBe("true");
        var record = world.Ledger.Records[Core.AutoAccept.AutoAcceptor.RecordIdOf(id)];
        (record.Status, record.Trigger, record.PeeringId, record.Asker.Account).ShouldBe(("Provisioned", "auto-accept", id, record.Requester.Account.Value));
        var accepted = result["autoAccepted"]!.AsArray().ShouldHaveSingleItem()!;
        accepted["vpcPeeringConnectionId"]!.GetValue<string>().ShouldBe(id.Value);
        accepted["routesAndRulesConfigured"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_LeavesPendingAndReportsGivenUnlistedAccount()
    {
        var world = new ProvisioningWorld();
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");

        var result = await ScanAsync(world);

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.PendingAcceptance);
        var refused = result["refused"]!.AsArray().ShouldHaveSingleItem()!;
        refused["action"]!.GetValue<string>().ShouldBe("left-pending");
        refused["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccountNotAllowed");
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_RejectsGivenUnlistedAccountAndRejectUnlistedRequests()
    {
        var world = new ProvisioningWorld(s => s with { Policy = s.Policy with { RejectUnlistedRequests = true } });
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");

        var result = await ScanAsync(world);

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.Rejected);
        result["refused"]![0]!["action"]!.GetValue<string>().ShouldBe("rejected");
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_RefusesWithCidrOverlapGivenAllowedPartnerOverlapping()
    {
        var world = WorldAllowingPartner();
        var id = await world.RequestFromOutsideAsync(Partner, "10.20.128.0/17");

        var result = await ScanAsync(world);

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.PendingAcceptance);
        result["refused"]![0]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("CidrOverlap");
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_ChangesAndReportsNothingGivenSecondScanOfSameState()
    {
        var world = WorldAllowingPartner();
        await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");
        await world.RequestFromOutsideAsync(new AccountRegion(AccountId.Parse("444444444444"), Partner.Region), "172.30.0.0/16");
        await ScanAsync(world);
        var before = world.Ec2.Peerings.Values.Select(p => p.Status).ToList();

        var second = await ScanAsync(world);

        world.Ec2.Peerings.Values.Select(p => p.Status).ShouldBe(before);
        second["autoAccepted"]!.AsArray().ShouldBeEmpty();
        second["refused"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_LeavesProvisioningWorkflowPeeringsAlone()
    {
        var world = new ProvisioningWorld();
        var state = await ProvisioningWorld.InvokeAsync(new Provisioning.ValidatePeeringRequestFunction(world.Services).Handle, world.Event());
        await ProvisioningWorld.InvokeAsync(new Provisioning.CreatePeeringFunction(world.Services).Handle, state);

        var result = await ScanAsync(world);

        world.Ec2.Peerings.Values.ShouldHaveSingleItem().Status.ShouldBe(PeeringStatus.PendingAcceptance);
        result["autoAccepted"]!.AsArray().ShouldBeEmpty();
        result["refused"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_ScansOtherAccountsGivenOneUnreachable()
    {
        var world = WorldAllowingPartner();
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");
        world.Ec2.UnreachableAccounts.Add(ProvisioningWorld.Requester.Account);

        var result = await ScanAsync(world);

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.Active);
        result["scanFailures"]!.AsArray().Select(f => f!["accountId"]!.GetValue<string>())
            .ShouldAllBe(a => a == ProvisioningWorld.Requester.Account.Value);
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_RefusesGivenAllowedPartnerButNoConsentTag()
    {
        var world = WorldAllowingPartner();
        world.AccepterConsentsTo("999999999999,vpc-00000000000000fff");
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");

        var result = await ScanAsync(world);

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.PendingAcceptance);
        result["refused"]![0]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccepterConsentRequired");
    }

    [Fact]
    public async Task AutoAcceptPeeringsFunctionHandle_AcceptsNobodyGivenAnEmptyAllowList()
    {
        var world = new ProvisioningWorld();
        world.AccepterConsentsTo("*");
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");

        var result = await ScanAsync(world);

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.PendingAcceptance);
        result["refused"]![0]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccountNotAllowed");
    }
}
