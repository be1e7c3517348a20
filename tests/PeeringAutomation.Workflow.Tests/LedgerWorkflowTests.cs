using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

/// <summary>
/// The request ledger through the bus: duplicate deliveries, pair locks, decisions from the ledger
/// (not from tags a member account controls), and the durable record of who asked.
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class LedgerWorkflowTests(WorldStack world)
{
    private const string Provision = WorldStack.ProvisionMachine;
    private const string Teardown = "TeardownPeeringStateMachine";
    private static readonly TimeSpan Timeout = WorldStack.Timeout;

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);

    private IRequestLedger Ledger => Stack.Ledger!;

    /// <summary>Puts the same detail several times in one PutEvents call (EventBridge gives each its own event id).</summary>
    private async Task<IReadOnlyList<string>> PutTogetherAsync(string detailType, params JsonObject[] details)
    {
        var response = await Stack.Aws.EventsAsync("PutEvents", new JsonObject
        {
            ["Entries"] = new JsonArray(details.Select(d => (JsonNode)new JsonObject
            {
                ["Source"] = "vpc-peering", ["DetailType"] = detailType, ["Detail"] = d.ToJsonString(), ["EventBusName"] = Stack.EventBusName,
            }).ToArray()),
        });
        return response["Entries"]!.AsArray().Select(e => e!["EventId"]!.GetValue<string>()).ToList();
    }

    private async Task<IReadOnlyList<ExecutionResult>> WaitAllAsync(string machine, IEnumerable<string> eventIds) =>
        await Task.WhenAll(eventIds.Select(id => Stack.Driver.WaitForExecutionAsync(machine, id, Timeout)));

    private IReadOnlyList<JsonObject> OutcomesOf(string detailType, string requestId) =>
        Stack.Driver.Outcomes.Where(o => o["detail-type"]?.GetValue<string>() == detailType
                                  && o["detail"]?["requestId"]?.GetValue<string>() == requestId).ToList();

    private static bool IsDuplicate(ExecutionResult execution) =>
        execution.Status == "SUCCEEDED" && execution.Output?["duplicate"]?.GetValue<bool>() == true;

    [Fact]
    public async Task ProvisionPeering_DoesTheWorkOnceGivenTheSameEventTwiceInOnePutEventsCallAndAgainLater()
    {
        var request = Build.Request("led-dup", Build.Side("c6"), Build.Side("c7"));

        var together = await WaitAllAsync(Provision, await PutTogetherAsync("Peering Requested", request, request));
        var later = await world.RequestAsync(request);

        var executions = together.Append(later).ToList();
        executions.Count(e => e.StatesEntered.Contains("Emit Peering Provisioned")).ShouldBe(1, string.Join("\n", executions));
        executions.Count(IsDuplicate).ShouldBe(2, string.Join("\n", executions));
        executions.Where(IsDuplicate).ShouldAllBe(e => e.Output!["requestId"]!.GetValue<string>() == "led-dup");
        executions.Where(IsDuplicate).ShouldAllBe(e => !e.StatesEntered.Any(s => s.StartsWith("Emit", StringComparison.Ordinal) || s == "Roll back"));
        (await world.PeeringsBetweenAsync("c6", "c7")).Where(p => p.Status.Code.Value == "active").ShouldHaveSingleItem();
        await Stack.Driver.WaitForOutcomeAsync("Peering Provisioned", e => e["detail"]?["requestId"]?.GetValue<string>() == "led-dup", Timeout);
        await Task.Delay(TimeSpan.FromSeconds(2));
        OutcomesOf("Peering Provisioned", "led-dup").Count.ShouldBe(1);
        OutcomesOf("Peering Provisioning Failed", "led-dup").ShouldBeEmpty();
        OutcomesOf("Peering Request Rejected", "led-dup").ShouldBeEmpty();
    }

    [Fact]
    public async Task ProvisionPeering_RejectsTheSecondRequestForAPairNamingTheHolderThenAllowsItAfterTeardown()
    {
        var first = Build.Request("led-pair-1", "c8", "b11");
        var second = Build.Request("led-pair-2", "b11", "c8");

        var executions = await WaitAllAsync(Provision, await PutTogetherAsync("Peering Requested", first, second));

        var won = executions.Single(e => e.StatesEntered.Contains("Emit Peering Provisioned"));
        var lost = executions.Single(e => e != won);
        lost.StatesEntered.ShouldContain("Emit Peering Request Rejected");
        lost.StatesEntered.ShouldNotContain("Create peering", "the loser creates nothing, so nothing is withdrawn");
        var winnerId = won.Input!["detail"]!["requestId"]!.GetValue<string>();
        var loserId = lost.Input!["detail"]!["requestId"]!.GetValue<string>();
        var rejected = await Stack.Driver.WaitForOutcomeAsync("Peering Request Rejected", e => e["detail"]?["requestId"]?.GetValue<string>() == loserId, Timeout);
        var reason = rejected["detail"]!["reasons"]!.AsArray().ShouldHaveSingleItem()!;
        reason["code"]!.GetValue<string>().ShouldBe("DuplicatePeering");
        reason["message"]!.GetValue<string>().ShouldContain(winnerId);
        (await world.PeeringsBetweenAsync("c8", "b11")).ShouldHaveSingleItem();

        var teardown = await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.PutEventAsync("Peering Teardown Requested", new JsonObject { ["requestId"] = winnerId }), Timeout);
        teardown.Status.ShouldBe("SUCCEEDED", teardown.ToString());
        var third = await world.RequestAsync(Build.Request("led-pair-3", "c8", "b11"));

        third.StatesEntered.ShouldContain("Emit Peering Provisioned", third.ToString());
    }

    [Fact]
    public async Task ProvisionPeering_TakesOverALockWhoseOwnerFailedWithoutReleasingIt()
    {
        // Simulates an execution that died uncatchably after claiming: its record ended Failed, its lock stayed.
        var (c9, a9) = (Stack.World.Vpc("c9"), Stack.World.Vpc("a9"));
        var ghost = new RequestRecord
        {
            RequestId = RequestId.Parse("led-ghost"),
            Requester = new PeeringSideInfo(AccountId.Parse(c9.AccountId), AwsRegion.Parse(c9.Region), VpcId.Parse(c9.VpcId)),
            Accepter = new PeeringSideInfo(AccountId.Parse(a9.AccountId), AwsRegion.Parse(a9.Region), VpcId.Parse(a9.VpcId)),
            Asker = new RequestAsker { Account = c9.AccountId },
            Fingerprint = "ghost",
            Status = LedgerStatus.Requested,
            ExecutionArn = "arn:aws:states:us-east-1:123456789012:execution:gone:1",
            History = [new HistoryEntry(LedgerStatus.Requested, "2026-11-01T00:00:00Z", null, "claimed, then the execution died")],
        };
        (await Ledger.ClaimAsync(ghost)).Result.ShouldBe(ClaimResult.Claimed);
        await Ledger.RecordAsync(ghost.RequestId, new StatusChange { Status = LedgerStatus.Failed, At = "2026-11-01T00:01:00Z" });
        (await Ledger.GetPairLockAsync(ghost.Pair))!.Owner.ShouldBe(ghost.RequestId);

        var execution = await world.RequestAsync(Build.Request("led-takeover", "c9", "a9"));

        execution.StatesEntered.ShouldContain("Emit Peering Provisioned", execution.ToString());
        (await Ledger.GetPairLockAsync(ghost.Pair))!.Owner.Value.ShouldBe("led-takeover");
    }

    [Fact]
    public async Task ExpirySweep_LeavesTheVictimAloneAndComplianceReportsTheForgeryGivenAPeeringWithForgedManagedTags()
    {
        var victim = await world.ProvisionAsync(Build.Request("led-victim", Build.Side("c6"), Build.Side("b10", Build.Tcp("b10-web", 443))), "c6", "b10");
        var before = await world.NetworkStateAsync("b10");
        // A third account's hand-made pending peering into the victim's VPC, tagged as if the automation made it.
        var forged = await world.RequestPeeringByHandAsync("a9", "b10");
        await (await world.Ec2For("a9")).CreateTagsAsync(new CreateTagsRequest
        {
            Resources = [forged],
            Tags =
            [
                new Amazon.EC2.Model.Tag("peering-automation:managed", "true"), new Amazon.EC2.Model.Tag("peering-automation:request-id", "led-victim"),
                new Amazon.EC2.Model.Tag("peering-automation:expires-at", "2020-01-01T00:00:00Z"),
            ],
        });

        var sweep = await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.FireScheduleAsync("TeardownPeeringStateMachineExpirySweep"), Timeout);
        var byId = await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.PutEventAsync("Peering Teardown Requested", new JsonObject
        {
            ["vpcPeeringConnectionId"] = forged, ["accountId"] = Stack.World.Vpc("a9").AccountId, ["region"] = Stack.World.Vpc("a9").Region,
        }), Timeout);

        sweep.Status.ShouldBe("SUCCEEDED", sweep.ToString());
        byId.StatesEntered.ShouldContain("Emit Peering Teardown Rejected");
        (await world.NetworkStateAsync("b10")).ShouldBe(before, "the victim's routes and rules are untouched");
        (await world.PeeringsBetweenAsync("c6", "b10")).Single(p => p.VpcPeeringConnectionId == victim).Status.Code.Value.ShouldBe("active");
        (await world.PeeringsBetweenAsync("a9", "b10")).Single(p => p.VpcPeeringConnectionId == forged).Status.Code.Value.ShouldBe("pending-acceptance");

        var a9 = Stack.World.Vpc("a9");
        var check = await Stack.Driver.WaitForExecutionAsync("CheckComplianceStateMachine", await Stack.Driver.PutEventAsync("Compliance Check Requested",
            new JsonObject { ["accountIds"] = new JsonArray(a9.AccountId), ["regions"] = new JsonArray(a9.Region) }), Timeout);
        check.Status.ShouldBe("SUCCEEDED", check.ToString());
        var finding = await Stack.Driver.WaitForOutcomeAsync("Peering Compliance Finding",
            e => e["detail"]?["findingType"]?.GetValue<string>() == "ManagedTagWithoutRecord" && e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == forged, Timeout);
        finding["detail"]!["severity"]!.GetValue<string>().ShouldBe("HIGH");
    }

    [Fact]
    public async Task TeardownPeering_RemovesAnAutoAcceptedPeeringRecordedInTheLedger()
    {
        var pcx = await world.RequestPeeringByHandVisibleAsync("p3", "b11");
        var check = await Stack.Driver.WaitForExecutionAsync("AcceptPeeringsStateMachine", await Stack.Driver.PutEventAsync("Peering Acceptance Check Requested", new JsonObject()), Timeout);
        check.Status.ShouldBe("SUCCEEDED", check.ToString());
        var record = await Ledger.FindByPeeringAsync(PeeringConnectionId.Parse(pcx));
        record.ShouldNotBeNull();
        (record.Trigger, record.Status, record.Asker.Account).ShouldBe(("auto-accept", LedgerStatus.Provisioned, "444444444444"));

        var b11 = Stack.World.Vpc("b11");
        var teardown = await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.PutEventAsync("Peering Teardown Requested", new JsonObject
        {
            ["requestId"] = record.RequestId.Value,
        }), Timeout);

        teardown.StatesEntered.ShouldContain("Emit Peering Torn Down", teardown.ToString());
        (await world.PeeringsBetweenAsync("b11", "p3")).Single(p => p.VpcPeeringConnectionId == pcx).Status.Code.Value.ShouldBe("deleted");
        (await Ledger.GetAsync(record.RequestId))!.Status.ShouldBe(LedgerStatus.TornDown);
        b11.AccountId.ShouldBe("222222222222");
    }

    [Fact]
    public async Task Ledger_HoldsTheAskerAndTheWholeHistoryOfProvisionedRejectedAndTornDownRequests()
    {
        var provisioned = Build.Request("led-history", "c7", "b10");
        provisioned["requestedBy"] = "alice@example.com";
        await world.ProvisionAsync(provisioned, "c7", "b10");
        var rejected = await world.RequestAsync(Build.Request("led-history-rejected", "c1-overlaps-a1", "a1"));
        rejected.StatesEntered.ShouldContain("Emit Peering Request Rejected");
        await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.PutEventAsync("Peering Teardown Requested", new JsonObject { ["requestId"] = "led-history" }), Timeout);

        var tornDown = (await Ledger.GetAsync(RequestId.Parse("led-history")))!;
        var refused = (await Ledger.GetAsync(RequestId.Parse("led-history-rejected")))!;

        (tornDown.Asker.Account, tornDown.Asker.RequestedBy).ShouldBe((Stack.AccountId, "alice@example.com"));
        tornDown.History.Select(h => h.Status).ShouldBe(["Requested", "Provisioning", "Provisioned", "TornDown"]);
        tornDown.History.Take(3).ShouldAllBe(h => h.ExecutionArn!.Contains(":execution:"));
        tornDown.Plan.ShouldNotBeNull();
        refused.History.Select(h => h.Status).ShouldBe(["Requested", "Rejected"]);
        refused.Reasons.ShouldContain(r => r.Code == "CidrOverlap");
        (await Ledger.GetPairLockAsync(tornDown.Pair)).ShouldBeNull();
        (await Ledger.GetPairLockAsync(refused.Pair)).ShouldBeNull();

        // The question people ask: what did this account ask for, and what state is it in?
        var query = await Stack.Clients.HubDynamoDb().QueryAsync(new QueryRequest
        {
            TableName = Stack.Plan.Tables.Single(t => t.LogicalId == "RequestLedgerTable").Name, IndexName = "ByRequesterAccountStatus",
            KeyConditionExpression = "requesterAccountId = :a AND #s = :s",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#s"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":a"] = new() { S = "333333333333" }, [":s"] = new() { S = "TornDown" } },
        });
        query.Items.ShouldContain(i => i["requestId"].S == "led-history");
    }
}
