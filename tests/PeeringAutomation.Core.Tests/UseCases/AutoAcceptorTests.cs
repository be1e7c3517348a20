using PeeringAutomation.Core.AutoAccept;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Tests.UseCases;

public sealed class AutoAcceptorTests
{
    private static readonly AccountRegion Partner = new(AccountId.Parse("333333333333"), AwsRegion.Parse("eu-west-1"));

    [Fact]
    public async Task AutoAcceptorScan_AcceptsAndRecordsGivenAnAllowedPartnerTheAccepterConsentsTo()
    {
        var world = new UseCaseWorld(PeeringWorld.Policy() with { AllowedPeerAccounts = new HashSet<AccountId> { Partner.Account } });
        world.AccepterConsentsTo(Partner.Account.Value);
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");

        var scan = await world.AutoAcceptor.ScanAsync();

        scan.Decisions.ShouldHaveSingleItem().Action.ShouldBe(AutoAcceptor.Accepted);
        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.Active);
        world.Ec2.AccepterTags[id][ManagedMarkers.AcceptedByTag].ShouldBe("auto-accept");
        world.Ledger.Records[AutoAcceptor.RecordIdOf(id)].PeeringId.ShouldBe(id);
    }

    [Fact]
    public async Task AutoAcceptorScan_LeavesPendingGivenAnUnlistedAccount()
    {
        var world = new UseCaseWorld();
        var id = await world.RequestFromOutsideAsync(Partner, "172.31.0.0/16");

        var scan = await world.AutoAcceptor.ScanAsync();

        var decision = scan.Decisions.ShouldHaveSingleItem();
        decision.Action.ShouldBe(AutoAcceptor.Refused);
        decision.Reasons.ShouldContain(r => r.Code == ReasonCodes.AccountNotAllowed);
        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.PendingAcceptance);
    }
}
