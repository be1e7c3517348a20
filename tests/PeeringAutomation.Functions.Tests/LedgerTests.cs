using System.Text.Json.Nodes;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Tests;

/// <summary>The ledger decides duplicates, reused ids and pair ownership; the handlers act only on what it records.</summary>
public sealed class LedgerTests
{
    private const string OtherExecution = "arn:aws:states:us-east-1:123456789012:execution:provision:test-2";
    private readonly ProvisioningWorld world = new();

    private Task<JsonNode> ValidateAsync(JsonObject envelope, string executionArn) =>
        ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle, ProvisioningWorld.IntakeInput(envelope, executionArn));

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_EndsAsDuplicateGivenTheSameEventDeliveredToASecondExecution()
    {
        await world.ProvisionAsync(world.Event());
        var calls = world.Ec2.Calls.Count;

        var second = await ValidateAsync(world.Event(), OtherExecution);

        second["duplicate"]!.GetValue<bool>().ShouldBeTrue();
        second["requestId"]!.GetValue<string>().ShouldBe("chg-42");
        second["accepted"]!.GetValue<bool>().ShouldBeFalse();
        second["outcome"].ShouldBeNull("a duplicate emits nothing");
        world.Ec2.Calls.Count.ShouldBe(calls, "a duplicate touches nothing in EC2");
        world.Ec2.Peerings.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_EndsAsDuplicateGivenTheFirstDeliveryWasRejected()
    {
        world.Ec2.Vpcs[1] = (world.Ec2.Vpcs[1].Scope, world.Ec2.Vpcs[1].Vpc with { Ipv4Blocks = [Cidr.Parse("10.1.128.0/20")] });
        var first = await ValidateAsync(world.Event(), ProvisioningWorld.ExecutionArn);
        first["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("CidrOverlap");

        var again = await ValidateAsync(world.Event(), OtherExecution);

        again["duplicate"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_RejectsRequestIdReusedGivenTheSameIdWithOtherContent()
    {
        await world.ProvisionAsync(world.Event());

        var reused = await ValidateAsync(world.Event(d => d["allowDnsResolution"] = true), OtherExecution);

        reused["accepted"]!.GetValue<bool>().ShouldBeFalse();
        reused["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("RequestIdReused");
        world.Ledger.Records[RequestId.Parse("chg-42")].Status.ShouldBe(LedgerStatus.Provisioned, "the first request's record is untouched");
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_RejectsDuplicatePeeringNamingTheHolderGivenTheirPairIsLocked()
    {
        var first = await ValidateAsync(world.Event(d => d["requestId"] = "chg-a"), ProvisioningWorld.ExecutionArn);
        first["accepted"]!.GetValue<bool>().ShouldBeTrue();

        var second = await ValidateAsync(world.Event(d => d["requestId"] = "chg-b"), OtherExecution);

        second["accepted"]!.GetValue<bool>().ShouldBeFalse();
        var reason = second["outcome"]!["reasons"]!.AsArray().ShouldHaveSingleItem()!;
        reason["code"]!.GetValue<string>().ShouldBe("DuplicatePeering");
        reason["message"]!.GetValue<string>().ShouldContain("chg-a");
        world.Ledger.Records[RequestId.Parse("chg-b")].Status.ShouldBe(LedgerStatus.Rejected);
        world.Ledger.Locks.Values.ShouldHaveSingleItem().Owner.Value.ShouldBe("chg-a");
        world.Ec2.Peerings.ShouldBeEmpty();
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_TakesOverTheLockGivenItsOwnersPeeringWasDeletedByHand()
    {
        await world.ProvisionAsync(world.Event(d => d["requestId"] = "chg-a"));
        var dead = world.Ec2.Peerings.Keys.Single();
        // Deleted by hand, routes and rules with it: the record still says Provisioned, the peering is gone.
        world.Ec2.Peerings[dead] = world.Ec2.Peerings[dead] with { Status = PeeringStatus.Deleted };
        for (var i = 0; i < world.Ec2.RouteTables.Count; i++)
        {
            var (scope, table) = world.Ec2.RouteTables[i];
            world.Ec2.RouteTables[i] = (scope, table with { Routes = table.Routes.Where(r => r.TargetId != dead.Value).ToList() });
        }
        for (var i = 0; i < world.Ec2.Groups.Count; i++)
        {
            world.Ec2.Groups[i] = (world.Ec2.Groups[i].Scope, world.Ec2.Groups[i].Group with { Ingress = [] });
        }

        var state = await world.ProvisionAsync(world.Event(d => d["requestId"] = "chg-b"), OtherExecution);

        state["accepted"]!.GetValue<bool>().ShouldBeTrue(state.ToJsonString());
        world.Ledger.Locks.Values.ShouldHaveSingleItem().Owner.Value.ShouldBe("chg-b");
        world.Ec2.Peerings.Values.Count(p => p.Status == PeeringStatus.Active).ShouldBe(1);
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_TakesOverTheLockGivenItsOwnerFailed()
    {
        var first = await ValidateAsync(world.Event(d => d["requestId"] = "chg-a"), ProvisioningWorld.ExecutionArn);
        first["error"] = new JsonObject { ["Error"] = "States.Timeout", ["Cause"] = "simulated" };
        await ProvisioningWorld.InvokeAsync(new RollbackPeeringFunction(world.Services).Handle, first);
        world.Ledger.Locks.ShouldBeEmpty("rollback releases the pair");
        // A lock left behind by an owner that ended without releasing it (an uncatchable failure).
        var pair = VpcPair.Of(world.RequesterVpc, world.AccepterVpc);
        world.Ledger.Locks[pair] = new PairLock(pair, RequestId.Parse("chg-a"), ProvisioningWorld.ExecutionArn, "2026-11-27T10:00:00Z");

        var second = await ValidateAsync(world.Event(d => d["requestId"] = "chg-b"), OtherExecution);

        second["accepted"]!.GetValue<bool>().ShouldBeTrue();
        world.Ledger.Locks[pair].Owner.Value.ShouldBe("chg-b");
    }

    [Fact]
    public async Task RollbackPeeringFunctionHandle_TouchesNothingGivenAnotherExecutionOwnsTheRequest()
    {
        var state = await world.ProvisionAsync(world.Event());
        state["executionArn"] = OtherExecution;
        state["error"] = new JsonObject { ["Error"] = "Boom", ["Cause"] = "a duplicate execution failed" };

        var rollback = await ProvisioningWorld.InvokeAsync(new RollbackPeeringFunction(world.Services).Handle, state);

        rollback["outcome"]!["rolledBack"].ShouldBeNull();
        world.Ec2.Peerings.Values.ShouldHaveSingleItem().Status.ShouldBe(PeeringStatus.Active);
        world.Ledger.Records[RequestId.Parse("chg-42")].Status.ShouldBe(LedgerStatus.Provisioned);
    }

    [Fact]
    public async Task RollbackPeeringFunctionHandle_MarksFailedAndReleasesThePairGivenValidationCrashed()
    {
        // The Catch of "Validate request" keeps the step's input: the event and the execution.
        await ValidateAsync(world.Event(), ProvisioningWorld.ExecutionArn);
        var state = ProvisioningWorld.IntakeInput(world.Event());
        state["error"] = new JsonObject { ["Error"] = "AwsThrottled", ["Cause"] = "Rate exceeded" };

        var rollback = await ProvisioningWorld.InvokeAsync(new RollbackPeeringFunction(world.Services).Handle, state);

        rollback["outcome"]!["requestId"]!.GetValue<string>().ShouldBe("chg-42");
        world.Ledger.Records[RequestId.Parse("chg-42")].Status.ShouldBe(LedgerStatus.Failed);
        world.Ledger.Locks.ShouldBeEmpty();
    }

    [Fact]
    public async Task ProvisioningHandlers_RecordTheAskerAndTheWholeHistoryGivenARequestProvisionedThenTornDown()
    {
        await world.ProvisionAsync(world.Event(d => d["requestedBy"] = "alice@example.com"));
        var target = (await world.Services.Teardowns.ResolveAsync(new Core.Requests.TeardownRequest { RequestId = RequestId.Parse("chg-42") }, "123456789012")).Targets.Single();
        await ProvisioningWorld.InvokeAsync(new Teardown.TeardownPeeringFunction(world.Services).Handle,
            System.Text.Json.JsonSerializer.SerializeToNode(target, PeeringJsonContext.Default.TeardownTarget)!);

        var record = world.Ledger.Records[RequestId.Parse("chg-42")];
        (record.Asker.Account, record.Asker.RequestedBy, record.Asker.EventId).ShouldBe(("123456789012", "alice@example.com", "6a7e8feb-b491-4cf7-a9f1-bf3703467718"));
        record.History.Select(h => h.Status).ShouldBe([LedgerStatus.Requested, LedgerStatus.Provisioning, LedgerStatus.Provisioned, LedgerStatus.TornDown]);
        record.Plan!.Requester.GroupRules.ShouldHaveSingleItem().Permissions.ShouldHaveSingleItem().Description.ShouldBe("peering-automation chg-42");
        record.PeeringId.ShouldNotBeNull();
        world.Ledger.Locks.ShouldBeEmpty();
    }

    [Fact]
    public async Task TeardownPeeringFunctionHandle_RevokesOnlyRecordedGroupsGivenAForgedRuleElsewhere()
    {
        await world.ProvisionAsync(world.Event());
        // A rule carrying the request's description in a group the request never asked for.
        var forged = new IngressPermission
        {
            Protocol = "tcp", FromPort = 443, ToPort = 443, SourceCidr = Cidr.Parse("10.20.0.0/16"), Description = "peering-automation chg-42",
        };
        var index = world.Ec2.Groups.FindIndex(g => g.Group.Id == world.AccepterGroup);
        world.Ec2.Groups[index] = (world.Ec2.Groups[index].Scope, world.Ec2.Groups[index].Group with { Ingress = [forged] });
        var target = (await world.Services.Teardowns.ResolveAsync(new Core.Requests.TeardownRequest { RequestId = RequestId.Parse("chg-42") }, "123456789012")).Targets.Single();

        await ProvisioningWorld.InvokeAsync(new Teardown.TeardownPeeringFunction(world.Services).Handle,
            System.Text.Json.JsonSerializer.SerializeToNode(target, PeeringJsonContext.Default.TeardownTarget)!);

        world.Ec2.Groups[index].Group.Ingress.ShouldHaveSingleItem().ShouldBe(forged);
        world.Ec2.Groups.Single(g => g.Group.Id == world.RequesterGroup).Group.Ingress.ShouldBeEmpty();
    }

    [Fact]
    public async Task CreatePeeringFunctionHandle_RefusesGivenAnotherExecutionOwnsTheRequest()
    {
        var state = await ValidateAsync(world.Event(), ProvisioningWorld.ExecutionArn);
        state["executionArn"] = OtherExecution;

        await Should.ThrowAsync<PeeringConflict>(() => ProvisioningWorld.InvokeAsync(new CreatePeeringFunction(world.Services).Handle, state));
        world.Ec2.Peerings.ShouldBeEmpty();
    }
}
