using System.Text.Json.Nodes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Core.Teardown;

namespace PeeringAutomation.Core.Tests.UseCases;

/// <summary>The teardown use cases (intake, resolver, teardown) on the in-memory EC2 and ledger.</summary>
public sealed class TeardownUseCaseTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-27T10:00:00Z");
    private readonly MovableClock clock = new(Start);
    private readonly UseCaseWorld world;

    public TeardownUseCaseTests() => world = new UseCaseWorld(clock: clock);

    private static JsonObject TeardownEvent(JsonObject detail, string account = "123456789012") => new()
    {
        ["version"] = "0", ["id"] = "0d4b6c1e-5e0f-4d8b-9c61-2f1f0f5b9a11", ["detail-type"] = "Peering Teardown Requested",
        ["source"] = "vpc-peering", ["account"] = account, ["time"] = "2026-11-27T10:00:00Z", ["region"] = "us-east-1",
        ["resources"] = new JsonArray(), ["detail"] = detail,
    };

    private static JsonObject ScheduledEvent() => new()
    {
        ["version"] = "0", ["id"] = "5d4b6c1e-5e0f-4d8b-9c61-2f1f0f5b9a11", ["detail-type"] = "Scheduled Event", ["source"] = "aws.events",
        ["account"] = "123456789012", ["time"] = "2026-11-27T10:00:00Z", ["region"] = "us-east-1", ["resources"] = new JsonArray(), ["detail"] = new JsonObject(),
    };

    [Fact]
    public async Task TeardownIntakeTake_TargetsTheRecordedPeeringGivenItsRequestId()
    {
        var (request, _, peering) = await world.ProvisionAsync();

        var outcome = await world.TeardownIntake.TakeAsync(UseCaseWorld.Element(TeardownEvent(new JsonObject { ["requestId"] = request.RequestId.Value })));

        outcome.Accepted.ShouldBeTrue();
        var target = outcome.Targets.ShouldHaveSingleItem();
        (target.PeeringId, target.Trigger, target.AskedBy).ShouldBe((peering, TeardownResolver.Requested, "123456789012"));
    }

    [Fact]
    public async Task TeardownIntakeTake_RefusesAndKeepsWhatWasNamedGivenUnknownRequestId()
    {
        var outcome = await world.TeardownIntake.TakeAsync(UseCaseWorld.Element(TeardownEvent(new JsonObject { ["requestId"] = "nope-1" })));

        outcome.Accepted.ShouldBeFalse();
        outcome.Reasons.ShouldHaveSingleItem().Code.ShouldBe(ReasonCodes.PeeringNotFound);
        outcome.Request!.RequestId!.Value.Value.ShouldBe("nope-1");
    }

    [Fact]
    public async Task TeardownIntakeTake_RefusesGivenAnAskerThatIsNeitherSideNorPlatform()
    {
        var (request, _, _) = await world.ProvisionAsync();

        var outcome = await world.TeardownIntake.TakeAsync(
            UseCaseWorld.Element(TeardownEvent(new JsonObject { ["requestId"] = request.RequestId.Value }, account: "999999999999")));

        outcome.Accepted.ShouldBeFalse();
        outcome.Targets.ShouldBeEmpty();
    }

    [Fact]
    public async Task TeardownIntakeTake_TargetsExpiredPeeringsGivenTheScheduledEvent()
    {
        var (_, _, peering) = await world.ProvisionAsync(world.Event(d => d["expiresAt"] = LedgerTime.Of(Start.AddHours(2))));
        clock.Now = Start.AddHours(3);

        var outcome = await world.TeardownIntake.TakeAsync(UseCaseWorld.Element(ScheduledEvent()));

        outcome.Accepted.ShouldBeTrue();
        var target = outcome.Targets.ShouldHaveSingleItem();
        (target.PeeringId, target.Trigger).ShouldBe((peering, TeardownResolver.Expired));
    }

    [Fact]
    public async Task TeardownIntakeTake_WarnsOfTheComingExpiryGivenTheScheduleBeforeIt()
    {
        var (request, plan, peering) = await world.ProvisionAsync(world.Event(d => d["expiresAt"] = LedgerTime.Of(Start.AddHours(2))));
        await world.Steps.FinishAsync(request, plan, peering, PeeringWorld.ExecutionArn);

        var outcome = await world.TeardownIntake.TakeAsync(UseCaseWorld.Element(ScheduledEvent()));

        outcome.Targets.ShouldBeEmpty();
        outcome.ExpiringSoon.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task PeeringTeardownTearDown_RemovesEverythingAndRecordsTornDown()
    {
        var (request, _, peering) = await world.ProvisionAsync();
        var target = (await world.TeardownIntake.TakeAsync(
            UseCaseWorld.Element(TeardownEvent(new JsonObject { ["requestId"] = request.RequestId.Value })))).Targets.Single();

        var report = await world.Teardown.TearDownAsync(target);

        report.PeeringDeleted.ShouldBeTrue();
        world.Ec2.Peerings[peering].Status.ShouldBe(PeeringStatus.Deleted);
        world.PeeringRoutes.ShouldBeEmpty();
        world.StatusOf(request.RequestId).ShouldBe(LedgerStatus.TornDown);
    }

    [Fact]
    public async Task PeeringTeardownTearDown_ThrowsPeeringConflictGivenATargetNamingAnotherPeering()
    {
        var (request, _, peering) = await world.ProvisionAsync();
        var target = (await world.TeardownIntake.TakeAsync(
            UseCaseWorld.Element(TeardownEvent(new JsonObject { ["requestId"] = request.RequestId.Value })))).Targets.Single();

        await Should.ThrowAsync<PeeringConflict>(() => world.Teardown.TearDownAsync(target with { PeeringId = PeeringConnectionId.Parse("pcx-0123456789abcdef0") }));

        world.Ec2.Peerings[peering].Status.ShouldBe(PeeringStatus.Active);
    }
}
