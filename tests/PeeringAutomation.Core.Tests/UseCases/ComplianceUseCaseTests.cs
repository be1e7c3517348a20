using System.Text.Json.Nodes;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Tests.UseCases;

/// <summary>The compliance use cases (sweep planner, evaluator, one scope's sweep) on the in-memory EC2, ledger and findings store.</summary>
public sealed class ComplianceUseCaseTests
{
    private readonly UseCaseWorld world = new();

    private static JsonObject CheckRequested(string source, JsonObject detail) => new()
    {
        ["version"] = "0", ["id"] = "sweep-1", ["detail-type"] = "Compliance Check Requested", ["source"] = source,
        ["account"] = "123456789012", ["time"] = "2026-11-27T10:00:00Z", ["region"] = "us-east-1", ["resources"] = new JsonArray(), ["detail"] = detail,
    };

    [Fact]
    public void ComplianceSweepPlannerPlan_CoversEveryManagedAccountAndRegionGivenTheSchedule()
    {
        var plan = world.SweepPlanner.Plan(UseCaseWorld.Element(new JsonObject { ["id"] = "sweep-1", ["source"] = "aws.events", ["detail-type"] = "Scheduled Event" }));

        plan.SweepId.ShouldBe("sweep-1");
        plan.Scopes.Select(s => s.ToString()).ShouldBe(
            ["111111111111/eu-west-1", "111111111111/us-east-1", "222222222222/eu-west-1", "222222222222/us-east-1"]);
        plan.Reasons.ShouldBeNull();
    }

    [Fact]
    public void ComplianceSweepPlannerPlan_KeepsTheManagedPartAndNamesTheRestGivenTheAutomationsOwnRequest()
    {
        var plan = world.SweepPlanner.Plan(UseCaseWorld.Element(CheckRequested(RequestParser.AutomationSource, new JsonObject
        {
            ["accountIds"] = new JsonArray("111111111111", "999999999999"), ["regions"] = new JsonArray("us-east-1"),
        })));

        plan.Scopes.ShouldBe([PeeringWorld.Requester]);
        plan.Ignored.ShouldBe(["account 999999999999"]);
    }

    [Fact]
    public void ComplianceSweepPlannerPlan_ScansNothingGivenAMalformedRequest()
    {
        var plan = world.SweepPlanner.Plan(UseCaseWorld.Element(CheckRequested(RequestParser.EventSource, new JsonObject { ["accountIds"] = "111111111111" })));

        plan.Scopes.ShouldBeEmpty();
        plan.Reasons.ShouldNotBeNull().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task ComplianceEvaluatorEvaluate_FindsTheAccepterVpcWithoutFlowLog()
    {
        await world.ProvisionAsync();

        var evaluation = await world.Evaluator.EvaluateAsync(PeeringWorld.Accepter);

        evaluation.Failed.ShouldBeFalse();
        evaluation.PeeringsChecked.ShouldBe(1);
        evaluation.Findings.ShouldContain(f => f.FindingType == FindingTypes.FlowLogsMissing && f.VpcId == world.AccepterVpc);
    }

    [Fact]
    public async Task ComplianceEvaluatorEvaluate_FindsNothingOnTheRequesterSideWithItsFlowLog()
    {
        await world.ProvisionAsync();

        var evaluation = await world.Evaluator.EvaluateAsync(PeeringWorld.Requester);

        evaluation.Findings.ShouldBeEmpty();
    }

    [Fact]
    public async Task ComplianceScopeSweepRun_AlertsANewFindingOnceAcrossSweeps()
    {
        await world.ProvisionAsync();

        var first = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1");
        var second = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-2");

        first.Outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.New);
        second.Outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.None);
        first.Page.OpenByType[FindingTypes.FlowLogsMissing].ShouldBe(1);
    }

    [Fact]
    public async Task ComplianceScopeSweepRun_AlertsOnceGivenTwoExecutionsOfOneSweepEventAndAgainGivenARetriedStepOfOne()
    {
        await world.ProvisionAsync();

        // EventBridge delivered the sweep's event twice: two executions, one sweep id.
        var first = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1", execution: "arn:exec-a");
        var duplicate = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1", execution: "arn:exec-b");
        // Step Functions retried the first execution's step (its answer was lost): people may not have heard.
        var retried = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1", execution: "arn:exec-a");

        first.Outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.New);
        duplicate.Outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.None);
        retried.Outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.New);
        world.Findings.Items.Values.ShouldHaveSingleItem().AlertSweepId.ShouldBe("arn:exec-a");
    }

    [Fact]
    public async Task ComplianceScopeSweepRun_RecordsANewFindingAndItsAlertInOneStoreWrite()
    {
        await world.ProvisionAsync();

        var first = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1");

        first.Outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.New);
        world.Findings.Calls.ShouldBe(new Dictionary<string, int> { ["OpenInScopeAsync"] = 1, ["TryRecordNewAsync"] = 1 }, ignoreOrder: true);
        var state = world.Findings.Items.Values.ShouldHaveSingleItem();
        state.AlertSweepId.ShouldBe("sweep-1");
        state.LastAlertedAt.ShouldBe(state.FirstSeen);
    }

    [Fact]
    public async Task ComplianceScopeSweepRun_DoesNotAlertAgainGivenAnotherSweepRecordedTheFindingAMomentAgo()
    {
        await world.ProvisionAsync();
        var finding = (await world.Evaluator.EvaluateAsync(PeeringWorld.Accepter)).Findings.ShouldHaveSingleItem();
        // Written by a concurrent sweep after this one listed the scope's open findings.
        var lifecycle = new FindingLifecycle(world.Findings, world.Clock, FindingLifecycle.DefaultRealertAfter);
        var page = lifecycle.Page(await lifecycle.SnapshotAsync(await world.Evaluator.EvaluateAsync(PeeringWorld.Accepter)), after: null, pageSize: 100);
        (await world.Findings.TryRecordNewAsync(finding, "sweep-other", DateTimeOffset.UtcNow)).ShouldBeTrue();

        var outcomes = await lifecycle.ApplyAsync(page, page.Open, "sweep-1");

        outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.None, "the other sweep told people");
        world.Findings.Items[finding.FindingId].AlertSweepId.ShouldBe("sweep-other");
    }

    [Fact]
    public async Task ComplianceScopeSweepRun_ReopensAResolvedFindingAsNewAndAlertsGivenItCameBack()
    {
        await world.ProvisionAsync();
        var finding = (await world.Evaluator.EvaluateAsync(PeeringWorld.Accepter)).Findings.ShouldHaveSingleItem();
        await world.Findings.TryRecordNewAsync(finding, "sweep-0", DateTimeOffset.UtcNow.AddDays(-1));
        await world.Findings.TryResolveAsync(finding.FindingId, DateTimeOffset.UtcNow.AddHours(-1));

        var back = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1");

        back.Outcomes.ShouldHaveSingleItem().Alert.ShouldBe(AlertReason.Reopened);
        world.Findings.Items[finding.FindingId].IsOpen.ShouldBeTrue();
        world.Findings.Items[finding.FindingId].AlertSweepId.ShouldBe("sweep-1");
    }

    [Fact]
    public async Task ComplianceScopeSweepRun_PagesThroughTheFirstPagesSnapshotGivenALaterPageOfTheSameSweep()
    {
        await world.ProvisionAsync();
        var sweep = new ComplianceScopeSweep(world.Evaluator, new FindingLifecycle(world.Findings, world.Clock, FindingLifecycle.DefaultRealertAfter),
            new FlowLogRemediator(world.Ec2, FlowLogRemediationSettings.Off), pageSize: 1, world.Snapshots);
        var first = await sweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1");
        var callsAfterFirst = world.Ec2.Calls.Count;
        var queriesAfterFirst = world.Findings.Calls["OpenInScopeAsync"];

        var second = await sweep.RunAsync(PeeringWorld.Accepter, after: "pcf-0", sweepId: "sweep-1");
        var otherSweep = await sweep.RunAsync(PeeringWorld.Accepter, after: "pcf-0", sweepId: "sweep-2");

        first.ApiCalls.ShouldBeGreaterThan(0);
        second.ApiCalls.ShouldBe(0, "the first page's describes are not repeated");
        second.Evaluation.ShouldBeSameAs(first.Evaluation);
        otherSweep.ApiCalls.ShouldBe(first.ApiCalls, "another sweep evaluates afresh");
        world.Ec2.Calls.Count.ShouldBe(callsAfterFirst + first.ApiCalls);
        world.Findings.Calls["OpenInScopeAsync"].ShouldBe(queriesAfterFirst + 1);
    }

    [Fact]
    public async Task ComplianceScopeSweepRun_EvaluatesAfreshGivenTheFirstPageAgainOrNoSweepId()
    {
        await world.ProvisionAsync();
        var first = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1");

        var retried = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: null, sweepId: "sweep-1");
        var unnamed = await world.ScopeSweep.RunAsync(PeeringWorld.Accepter, after: "pcf-0", sweepId: "");

        retried.Evaluation.ShouldNotBeSameAs(first.Evaluation);
        retried.ApiCalls.ShouldBe(first.ApiCalls);
        unnamed.ApiCalls.ShouldBe(first.ApiCalls);
    }

    [Fact]
    public void ScopeSnapshots_ForgetsTheOldestBeyondCapacityAndAnyPastItsLifetime()
    {
        var clock = new MovableClock(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var snapshots = new ScopeSnapshots(clock);
        var snapshot = new ScopeSnapshot(new ScopeEvaluation
        {
            Scope = PeeringWorld.Accepter, Findings = [], PeeringsChecked = 0, VpcsChecked = 0, ApiCalls = 4, Failed = false,
        }, new Dictionary<string, FindingState>());
        for (var i = 0; i <= ScopeSnapshots.Capacity; i++)
        {
            snapshots.Keep($"sweep-{i}", PeeringWorld.Accepter, snapshot);
        }

        snapshots.Find("sweep-0", PeeringWorld.Accepter).ShouldBeNull("the oldest went beyond capacity");
        snapshots.Find("sweep-1", PeeringWorld.Accepter).ShouldBe(snapshot);
        snapshots.Find("sweep-1", PeeringWorld.Requester).ShouldBeNull("another scope");
        clock.Now += ScopeSnapshots.Lifetime + TimeSpan.FromSeconds(1);
        snapshots.Find("sweep-1", PeeringWorld.Accepter).ShouldBeNull("past its lifetime");
    }
}
