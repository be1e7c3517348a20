using System.Text.Json.Nodes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

/// <summary>
/// Approvals through the bus: b14 (account 222…) is tagged approval=required. A legacy team (333…)
/// asks; the owner decides with its own credentials, as a person would with the printed command.
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class ApprovalWorkflowTests(WorldStack world)
{
    private const string Legacy = "333333333333";
    private const string Owner = "222222222222";
    private const string Payments = "111111111111";
    private static readonly TimeSpan Timeout = WorldStack.Timeout;

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);

    private async Task<ExecutionResult> PutAsAsync(string account, string detailType, JsonObject detail) =>
        await Stack.Driver.WaitForExecutionAsync(WorldStack.ProvisionMachine, await Stack.Driver.PutEventAsAsync(account, detailType, detail), Timeout);

    private static JsonObject Decision(string requestId, string decision, string? comment = null)
    {
        var detail = new JsonObject { ["requestId"] = requestId, ["decision"] = decision };
        if (comment is not null)
        {
            detail["comment"] = comment;
        }
        return detail;
    }

    [Fact]
    public async Task ProvisionPeering_WaitsForTheOwnerIgnoresOthersThenProvisionsOnTheOwnersApproval()
    {
        var asked = await PutAsAsync(Legacy, "Peering Requested", Build.Request("apv-yes", Build.Side("c12"), Build.Side("b14")));

        asked.StatesEntered.ShouldContain("Awaiting approval", asked.ToString());
        var request = await Stack.Driver.WaitForOutcomeAsync("Peering Approval Requested", e => e["detail"]?["requestId"]?.GetValue<string>() == "apv-yes", Timeout);
        var approvers = request["detail"]!["approvers"]!.AsArray().ShouldHaveSingleItem()!;
        approvers["code"]!.GetValue<string>().ShouldBe("VpcApprovalRequired");
        approvers["approvers"]![0]!.GetValue<string>().ShouldBe(Owner);
        request["detail"]!["approveCommand"]!.GetValue<string>().ShouldContain(Stack.EventBusArn);
        await world.WaitForAlertAsync(a => a["Subject"]?.GetValue<string>() == "VPC peering request awaits approval"
                                           && a["Message"]!.GetValue<string>().Contains("apv-yes"));
        (await world.PeeringsBetweenAsync("c12", "b14")).ShouldBeEmpty();

        var stranger = await PutAsAsync(Payments, "Peering Approval Decided", Decision("apv-yes", "approve"));
        stranger.StatesEntered.ShouldContain("Alert decision ignored", stranger.ToString());
        (await Stack.Ledger!.GetAsync(RequestId.Parse("apv-yes")))!.Status.ShouldBe(LedgerStatus.AwaitingApproval);

        var approved = await PutAsAsync(Owner, "Peering Approval Decided", Decision("apv-yes", "approve", "go ahead"));

        approved.StatesEntered.ShouldContain("Emit Peering Provisioned", approved.ToString());
        (await world.PeeringsBetweenAsync("c12", "b14")).Where(p => p.Status.Code.Value == "active").ShouldHaveSingleItem();
        var record = (await Stack.Ledger!.GetAsync(RequestId.Parse("apv-yes")))!;
        record.Approvals.ShouldHaveSingleItem().ApprovedBy.ShouldBe(Owner);
        record.History.Select(h => h.Status).ShouldBe(["Requested", "AwaitingApproval", "AwaitingApproval", "Provisioning", "Provisioned"]);
        record.History[2].Detail!.ShouldContain("ApprovalNotAuthorized");
    }

    [Fact]
    public async Task ProvisionPeering_EndsRejectedNamingTheDeciderGivenTheOwnerRejects()
    {
        var asked = await PutAsAsync(Legacy, "Peering Requested", Build.Request("apv-no", Build.Side("c13"), Build.Side("b14")));
        asked.StatesEntered.ShouldContain("Awaiting approval", asked.ToString());

        var rejected = await PutAsAsync(Owner, "Peering Approval Decided", Decision("apv-no", "reject", "prod stays closed"));

        rejected.StatesEntered.ShouldContain("Emit Peering Request Rejected", rejected.ToString());
        var outcome = await Stack.Driver.WaitForOutcomeAsync("Peering Request Rejected", e => e["detail"]?["requestId"]?.GetValue<string>() == "apv-no", Timeout);
        outcome["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ApprovalRejected");
        outcome["detail"]!["decidedBy"]!.GetValue<string>().ShouldBe(Owner);
        (await world.PeeringsBetweenAsync("c13", "b14")).ShouldBeEmpty();
        var c13 = Stack.World.Vpc("c13");
        (await Stack.Ledger!.GetPairLockAsync(VpcPair.Of(VpcId.Parse(c13.VpcId), VpcId.Parse(Stack.World.IdOf("b14"))))).ShouldBeNull();
    }
}
