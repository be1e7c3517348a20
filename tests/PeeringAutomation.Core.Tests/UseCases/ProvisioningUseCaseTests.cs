using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Tests.UseCases;

/// <summary>The provisioning use cases (intake, provisioner, steps, remover) on the in-memory EC2 and ledger.</summary>
public sealed class ProvisioningUseCaseTests
{
    private readonly UseCaseWorld world = new();

    [Fact]
    public async Task RequestIntakeTake_RefusesBeforeReadingAnyAccountGivenUnmanagedRegion()
    {
        var outcome = await world.Intake.TakeAsync(UseCaseWorld.Element(world.Event(d => d["accepter"]!["region"] = "ap-south-1")), PeeringWorld.ExecutionArn);

        outcome.Reasons.ShouldHaveSingleItem().Code.ShouldBe(ReasonCodes.RegionNotManaged);
        world.Ec2.Calls.ShouldNotContain("DescribeVpcs");
    }

    [Fact]
    public async Task PeeringProvisioner_RoutesEachSideToThePeerAndOpensTheAskedPort()
    {
        var (_, _, peering) = await world.ProvisionAsync();

        world.Ec2.Peerings[peering].Status.ShouldBe(PeeringStatus.Active);
        world.PeeringRoutes.Select(r => r.Destination.ToString()).Order().ShouldBe(["10.1.0.0/16", "10.20.0.0/16"]);
        world.PeeringRoutes.ShouldAllBe(r => r.TargetId == peering.Value);
        world.Ec2.Groups.Single(g => g.Group.Id == world.RequesterGroup).Group.Ingress.ShouldHaveSingleItem().FromPort.ShouldBe(443);
    }

    [Fact]
    public async Task ProvisioningStepsCreate_ReturnsTheRecordedPeeringGivenARepeatedStep()
    {
        var (request, plan, peering) = await world.ProvisionAsync();

        var again = await world.Steps.CreateAsync(request, plan, PeeringWorld.ExecutionArn);

        again.ShouldBe(new Core.Provisioning.CreatedPeering(peering, Recorded: false));
        world.Ec2.Peerings.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ProvisioningStepsCreate_ThrowsPeeringConflictGivenAnotherExecution()
    {
        var (request, plan, _) = await world.ProvisionAsync();

        await Should.ThrowAsync<PeeringConflict>(() => world.Steps.CreateAsync(request, plan, "arn:aws:states:us-east-1:123456789012:execution:provision:other"));
    }

    [Fact]
    public async Task ProvisioningStepsFinish_RecordsProvisionedAndNamesTheVpcWithoutFlowLog()
    {
        var (request, plan, peering) = await world.ProvisionAsync();

        var finish = await world.Steps.FinishAsync(request, plan, peering, PeeringWorld.ExecutionArn);

        finish.Unmonitored.ShouldHaveSingleItem().VpcId.ShouldBe(world.AccepterVpc);
        finish.NaclsNotJudged.ShouldBeNull();
        world.StatusOf(request.RequestId).ShouldBe(LedgerStatus.Provisioned);
    }

    [Fact]
    public async Task ProvisioningStepsRollback_RemovesPeeringRoutesAndRulesAndRecordsFailed()
    {
        var (request, _, peering) = await world.ProvisionAsync();

        var rollback = await world.Steps.RollbackAsync(request, null, PeeringWorld.ExecutionArn, null, "AwsThrottled: slow down");

        rollback.PeeringId.ShouldBe(peering);
        rollback.Removed!.PeeringDeleted.ShouldBeTrue();
        world.Ec2.Peerings[peering].Status.ShouldBe(PeeringStatus.Deleted);
        world.PeeringRoutes.ShouldBeEmpty();
        world.Ec2.Groups.SelectMany(g => g.Group.Ingress).ShouldBeEmpty();
        world.StatusOf(request.RequestId).ShouldBe(LedgerStatus.Failed);
    }

    [Fact]
    public async Task ProvisioningStepsRollback_ReadsTheRequestFromTheEventGivenNoValidatedRequest()
    {
        var envelope = world.Event();
        var (request, _, peering) = await world.ProvisionAsync(envelope);

        var rollback = await world.Steps.RollbackAsync(null, UseCaseWorld.Element(envelope), PeeringWorld.ExecutionArn, null, "failed");

        rollback.Request!.RequestId.ShouldBe(request.RequestId);
        world.Ec2.Peerings[peering].Status.ShouldBe(PeeringStatus.Deleted);
    }

    [Fact]
    public async Task ProvisioningStepsRollback_TouchesNothingGivenAnotherExecutionsRequest()
    {
        var (request, _, peering) = await world.ProvisionAsync();

        var rollback = await world.Steps.RollbackAsync(request, null, "arn:aws:states:us-east-1:123456789012:execution:provision:other", null, "failed");

        rollback.Removed.ShouldBeNull();
        world.Ec2.Peerings[peering].Status.ShouldBe(PeeringStatus.Active);
        world.StatusOf(request.RequestId).ShouldBe(LedgerStatus.Provisioning);
    }
}

public sealed class ChangeStepsTests
{
    [Fact]
    public async Task ChangeStepsApply_ThrowsPeeringRequestInvalidGivenAChangeTheLedgerDoesNotHave()
    {
        var world = new UseCaseWorld();
        var (request, _, peering) = await world.ProvisionAsync();
        var steps = new Changes.ChangeSteps(world.Ledger, new Changes.ChangeApplier(world.Ec2, world.Provisioner), world.Clock);

        await Should.ThrowAsync<PeeringRequestInvalid>(() => steps.ApplyAsync(request.RequestId, RequestId.Parse("chg-missing")));

        world.Ec2.Peerings[peering].Status.ShouldBe(PeeringStatus.Active);
    }
}
