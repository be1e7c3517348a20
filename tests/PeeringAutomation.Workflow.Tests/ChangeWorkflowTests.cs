using System.Text.Json.Nodes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

/// <summary>
/// Changes of live peerings through the bus (README "Changing a live peering"): each test provisions its
/// own pair (ch1-ch18: odd VPCs in team-a 111…, even in team-b 222…), then puts Peering Change Requested
/// events with a side's own credentials, as a team would.
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class ChangeWorkflowTests(WorldStack world)
{
    private const string ChangeMachine = "ChangePeeringStateMachine";
    private const string TeamA = "111111111111";
    private const string TeamB = "222222222222";
    private static readonly TimeSpan Timeout = WorldStack.Timeout;

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");

    private async Task<ExecutionResult> ChangeAsync(string account, JsonObject detail) =>
        await Stack.Driver.WaitForExecutionAsync(ChangeMachine, await Stack.Driver.PutEventAsAsync(account, "Peering Change Requested", detail), Timeout);

    private Task<JsonObject> OutcomeAsync(string detailType, string changeId) =>
        Stack.Driver.WaitForOutcomeAsync(detailType, e => e["detail"]?["changeId"]?.GetValue<string>() == changeId, Timeout);

    private JsonObject Ingress(params (string Group, int Port)[] rules) =>
        new() { ["ingressFromPeer"] = new JsonArray(rules.Select(r => (JsonNode)Build.Tcp(r.Group, r.Port)).ToArray()) };

    private async Task<IReadOnlyList<int>> PortsAsync(string vpc, string group, string requestId) =>
        (await world.IngressAsync(vpc, group)).Where(p => (p.Ipv4Ranges ?? []).Any(r => r.Description == $"peering-automation {requestId}"))
            .Select(p => p.FromPort ?? -1).Distinct().Order().ToList();

    [Fact]
    public async Task ChangePeering_AddsAPortKeepingTheOldThenReplacesIt()
    {
        await world.ProvisionAsync(Build.Request("chw-ports", Build.Side("ch1", Build.Tcp("ch1-app", 443)), Build.Side("ch2")), "ch1", "ch2");

        var added = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-ports", ["changeId"] = "chw-ports-add", ["requester"] = Ingress(("ch1-app", 443), ("ch1-app", 5432)),
        });

        added.Status.ShouldBe("SUCCEEDED", added.ToString());
        (await PortsAsync("ch1", "ch1-app", "chw-ports")).ShouldBe([443, 5432]);
        var changed = await OutcomeAsync("Peering Changed", "chw-ports-add");
        changed["detail"]!["added"]!["requester"]!["rules"]!.AsArray().ShouldNotBeEmpty();
        changed["detail"]!["removed"]!["requester"]!["rules"]!.AsArray().ShouldBeEmpty();
        changed["detail"]!["version"]!.GetValue<int>().ShouldBe(1);

        var replaced = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-ports", ["changeId"] = "chw-ports-replace", ["requester"] = Ingress(("ch1-app", 5432)),
        });

        replaced.Status.ShouldBe("SUCCEEDED", replaced.ToString());
        (await PortsAsync("ch1", "ch1-app", "chw-ports")).ShouldBe([5432]);
        var record = (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-ports")))!;
        record.Version.ShouldBe(2);
        record.History.Count(h => h.Status == "Changed").ShouldBe(2);
    }

    [Fact]
    public async Task ChangePeering_AddsAndRemovesARouteTableKeepingTheOthers()
    {
        var requester = Build.Side("ch3");
        requester["routeTableIds"] = new JsonArray(Stack.World.IdOf("ch3-main"));
        var pcx = await world.ProvisionAsync(Build.Request("chw-tables", requester, Build.Side("ch4")), "ch3", "ch4");
        (await world.RoutesToAsync("ch3", pcx)).Count.ShouldBe(1);

        var added = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-tables", ["changeId"] = "chw-tables-add",
            ["requester"] = new JsonObject { ["routeTableIds"] = new JsonArray(Stack.World.IdOf("ch3-main"), Stack.World.IdOf("ch3-db-rt")) },
        });
        added.Status.ShouldBe("SUCCEEDED", added.ToString());
        (await world.RoutesToAsync("ch3", pcx)).Count.ShouldBe(2);

        var removed = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-tables", ["changeId"] = "chw-tables-remove",
            ["requester"] = new JsonObject { ["routeTableIds"] = new JsonArray(Stack.World.IdOf("ch3-db-rt")) },
        });

        removed.Status.ShouldBe("SUCCEEDED", removed.ToString());
        var state = await world.NetworkStateAsync("ch3");
        state.ShouldContain(l => l.StartsWith($"route {Stack.World.IdOf("ch3-db-rt")} 10.73.0.0/16 -> {pcx}"));
        state.ShouldNotContain(l => l.StartsWith($"route {Stack.World.IdOf("ch3-main")} 10.73.0.0/16"));
        (await world.RoutesToAsync("ch4", pcx)).ShouldHaveSingleItem("the accepter's routes are untouched");
        var outcome = await OutcomeAsync("Peering Changed", "chw-tables-remove");
        outcome["detail"]!["removed"]!["requester"]!["routes"]![0]!.GetValue<string>().ShouldStartWith(Stack.World.IdOf("ch3-main"));
    }

    [Fact]
    public async Task ChangePeering_ExtendsThenShortensTheExpiryAndTheSweepHonoursIt()
    {
        var request = Build.Request("chw-expiry", "ch5", "ch6");
        request["expiresAt"] = Time(DateTimeOffset.UtcNow.AddDays(1));
        var pcx = await world.ProvisionAsync(request, "ch5", "ch6");

        // Extended by a platform account (no approval needed), then shortened by the accepter (shortening needs nobody).
        var later = DateTimeOffset.UtcNow.AddDays(3);
        (await ChangeAsync(Stack.AccountId, new JsonObject { ["requestId"] = "chw-expiry", ["changeId"] = "chw-extend", ["expiresAt"] = Time(later) }))
            .StatesEntered.ShouldContain("Emit Peering Changed");
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-expiry")))!.ExpiresAt.ShouldBe(DateTimeOffset.Parse(Time(later)));
        var soon = DateTimeOffset.UtcNow + WorldStack.ExpiryMargin;
        var shortened = await ChangeAsync(TeamB, new JsonObject { ["requestId"] = "chw-expiry", ["changeId"] = "chw-shorten", ["expiresAt"] = Time(soon) });
        shortened.StatesEntered.ShouldContain("Emit Peering Changed", shortened.ToString());
        (await world.PeeringsBetweenAsync("ch5", "ch6")).Single(p => p.VpcPeeringConnectionId == pcx).Tags
            .ShouldContain(t => t.Key == "peering-automation:expires-at" && t.Value == Time(soon));

        if (soon - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is { Ticks: > 0 } left)
        {
            await Task.Delay(left);
        }
        var sweep = await Stack.Driver.WaitForExecutionAsync("TeardownPeeringStateMachine", await Stack.Driver.FireScheduleAsync("TeardownPeeringStateMachineExpirySweep"), Timeout);

        sweep.Status.ShouldBe("SUCCEEDED", sweep.ToString());
        (await world.PeeringsBetweenAsync("ch5", "ch6")).Single(p => p.VpcPeeringConnectionId == pcx).Status.Code.Value.ShouldBe("deleted");
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-expiry")))!.Status.ShouldBe(LedgerStatus.TornDown);
    }

    [Fact]
    public async Task ChangePeering_AsksTheAccepterToApproveAnExtensionByTheRequesterThenAppliesItsApproval()
    {
        var request = Build.Request("chw-consent", "ch7", "ch8");
        request["expiresAt"] = Time(DateTimeOffset.UtcNow.AddDays(1));
        await world.ProvisionAsync(request, "ch7", "ch8");
        var before = await world.NetworkStateAsync("ch7");

        var extendedTo = Time(DateTimeOffset.UtcNow.AddDays(2));
        var asked = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-consent", ["changeId"] = "chw-consent-extend", ["expiresAt"] = extendedTo,
        });

        asked.StatesEntered.ShouldContain("Change awaits approval", asked.ToString());
        var approval = await OutcomeAsync("Peering Approval Requested", "chw-consent-extend");
        approval["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccepterConsentRequired");
        approval["detail"]!["approvers"]![0]!["approvers"]![0]!.GetValue<string>().ShouldBe(TeamB);
        await world.WaitForAlertAsync(a => a["Subject"]?.GetValue<string>() == "VPC peering change awaits approval"
                                           && a["Message"]!.GetValue<string>().Contains("chw-consent-extend"));
        (await world.NetworkStateAsync("ch7")).ShouldBe(before);
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-consent")))!.Version.ShouldBe(0);
        approval["detail"]!["approveCommand"]!.GetValue<string>().ShouldContain("chw-consent-extend");

        // The accepter approves with its own credentials: the decision goes to ChangePeering (it names a changeId), which applies it.
        var decision = new JsonObject { ["requestId"] = "chw-consent", ["changeId"] = "chw-consent-extend", ["decision"] = "approve" };
        var approved = await Stack.Driver.WaitForExecutionAsync(ChangeMachine, await Stack.Driver.PutEventAsAsync(TeamB, "Peering Approval Decided", decision), Timeout);

        approved.StatesEntered.ShouldContain("Record change decision", approved.ToString());
        approved.StatesEntered.ShouldContain("Emit Peering Changed", approved.ToString());
        var record = (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-consent")))!;
        record.Version.ShouldBe(1);
        record.ExpiresAt.ShouldBe(DateTimeOffset.Parse(extendedTo));
    }

    [Fact]
    public async Task ChangePeering_TurnsDnsOnThenOffAndRefusesAMemberChangingTheOtherSide()
    {
        var pcx = await world.ProvisionAsync(Build.Request("chw-dns", Build.Side("ch9"), Build.Side("ch10", Build.Tcp("ch10-db", 5432))), "ch9", "ch10");

        var on = await ChangeAsync(TeamA, new JsonObject { ["requestId"] = "chw-dns", ["changeId"] = "chw-dns-on", ["allowDnsResolution"] = true });
        on.StatesEntered.ShouldContain("Emit Peering Changed", on.ToString());
        (await OutcomeAsync("Peering Changed", "chw-dns-on"))["detail"]!["allowDnsResolution"]!["to"]!.GetValue<string>().ShouldBe("true");
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-dns")))!.AllowDnsResolution.ShouldBeTrue();

        var off = await ChangeAsync(TeamB, new JsonObject { ["requestId"] = "chw-dns", ["changeId"] = "chw-dns-off", ["allowDnsResolution"] = false });
        off.StatesEntered.ShouldContain("Emit Peering Changed", off.ToString());
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-dns")))!.AllowDnsResolution.ShouldBeFalse();

        // Team A may not open team B's database port.
        var before = await world.NetworkStateAsync("ch10");
        var refused = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-dns", ["changeId"] = "chw-dns-theirs", ["accepter"] = Ingress(("ch10-db", 5432), ("ch10-db", 22)),
        });
        refused.StatesEntered.ShouldContain("Emit Peering Change Rejected", refused.ToString());
        var rejection = await OutcomeAsync("Peering Change Rejected", "chw-dns-theirs");
        rejection["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("RequesterNotAuthorized");
        rejection["detail"]!["vpcPeeringConnectionId"]!.GetValue<string>().ShouldBe(pcx);
        (await world.NetworkStateAsync("ch10")).ShouldBe(before);
    }

    [Fact]
    public async Task ChangePeering_RefusesAConflictingRuleLeavingTheExactPreviousState()
    {
        await world.ProvisionAsync(Build.Request("chw-conflict", Build.Side("ch11", Build.Tcp("ch11-app", 443)), Build.Side("ch12")), "ch11", "ch12");
        // Someone opened 8080 from the peer by hand: the change's new rule would take it over.
        var ec2 = await world.Ec2For("ch11");
        await ec2.AuthorizeSecurityGroupIngressAsync(new Amazon.EC2.Model.AuthorizeSecurityGroupIngressRequest
        {
            GroupId = Stack.World.IdOf("ch11-app"),
            IpPermissions = [new Amazon.EC2.Model.IpPermission
            {
                IpProtocol = "tcp", FromPort = 8080, ToPort = 8080,
                Ipv4Ranges = [new Amazon.EC2.Model.IpRange { CidrIp = "10.81.0.0/16", Description = "hand-made" }],
            }],
        });
        var before = (await world.NetworkStateAsync("ch11")).Concat(await world.NetworkStateAsync("ch12")).ToList();

        var refused = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-conflict", ["changeId"] = "chw-conflict-8080",
            ["requester"] = Ingress(("ch11-app", 443), ("ch11-app", 8080)),
        });

        refused.StatesEntered.ShouldContain("Emit Peering Change Rejected", refused.ToString());
        var rejection = await OutcomeAsync("Peering Change Rejected", "chw-conflict-8080");
        rejection["detail"]!["reasons"]!.AsArray().Select(r => r!["code"]!.GetValue<string>()).ShouldContain("RuleConflict");
        (await world.NetworkStateAsync("ch11")).Concat(await world.NetworkStateAsync("ch12")).ToList().ShouldBe(before);
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-conflict")))!.Version.ShouldBe(0);
    }

    [Fact]
    public async Task ChangePeering_KeepsAndReportsAFinishedChangeGivenTheApplyAnswerWasLost()
    {
        await world.ProvisionAsync(Build.Request("chw-lost", Build.Side("ch17", Build.Tcp("ch17-app", 443)), Build.Side("ch18")), "ch17", "ch18");
        // The apply does its work and records it, then its answer is lost: the state machine's Catch rolls back.
        Stack.Driver.InjectFault("ApplyChangeFunction", Local.Lambda.FaultTiming.AfterHandler);

        var execution = await ChangeAsync(TeamA, new JsonObject
        {
            ["requestId"] = "chw-lost", ["changeId"] = "chw-lost-5432", ["requester"] = Ingress(("ch17-app", 443), ("ch17-app", 5432)),
        });

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        execution.StatesEntered.ShouldContain("Roll back change");
        execution.StatesEntered.ShouldContain("Keep the applied change");
        execution.StatesEntered.ShouldNotContain("Emit Peering Change Rejected after rollback");
        (await PortsAsync("ch17", "ch17-app", "chw-lost")).ShouldBe([443, 5432]);
        var changed = await OutcomeAsync("Peering Changed", "chw-lost-5432");
        changed["detail"]!["version"]!.GetValue<int>().ShouldBe(1);
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-lost")))!.ChangeInProgress.ShouldBeNull();
    }

    [Fact]
    public async Task ChangePeering_HasOneEffectGivenTheSameChangeTwiceAndAppliesTwoChangesInTurn()
    {
        await world.ProvisionAsync(Build.Request("chw-twice", "ch13", "ch14"), "ch13", "ch14");
        var detail = new JsonObject { ["requestId"] = "chw-twice", ["changeId"] = "chw-twice-dns", ["allowDnsResolution"] = true };

        var first = await ChangeAsync(TeamA, (JsonObject)detail.DeepClone());
        var second = await ChangeAsync(TeamA, (JsonObject)detail.DeepClone());

        first.StatesEntered.ShouldContain("Emit Peering Changed", first.ToString());
        second.StatesEntered.ShouldContain("Duplicate delivery", second.ToString());
        second.StatesEntered.ShouldNotContain("Apply change");
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-twice")))!.Version.ShouldBe(1);

        // Two different changes at once, by the two sides: narrower routes, and an expiry where there was none. Both land, one after the other.
        var narrow = await Stack.Driver.PutEventAsAsync(TeamA, "Peering Change Requested", new JsonObject
        {
            ["requestId"] = "chw-twice", ["changeId"] = "chw-twice-routes", ["destinationCidrs"] = new JsonArray("10.83.0.0/17", "10.82.0.0/16"),
        });
        var expiry = await Stack.Driver.PutEventAsAsync(TeamB, "Peering Change Requested", new JsonObject
        {
            ["requestId"] = "chw-twice", ["changeId"] = "chw-twice-expiry", ["expiresAt"] = Time(DateTimeOffset.UtcNow.AddDays(30)),
        });
        var a = await Stack.Driver.WaitForExecutionAsync(ChangeMachine, narrow, Timeout);
        var b = await Stack.Driver.WaitForExecutionAsync(ChangeMachine, expiry, Timeout);

        a.StatesEntered.ShouldContain("Emit Peering Changed", a.ToString());
        b.StatesEntered.ShouldContain("Emit Peering Changed", b.ToString());
        var record = (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-twice")))!;
        record.Version.ShouldBe(3);
        record.ExpiresAt.ShouldNotBeNull();
        record.Plan!.Requester.Routes.ShouldAllBe(r => r.Destination == Cidr.Parse("10.83.0.0/17"));
        var versions = new[] { await OutcomeAsync("Peering Changed", "chw-twice-routes"), await OutcomeAsync("Peering Changed", "chw-twice-expiry") }
            .Select(e => e["detail"]!["version"]!.GetValue<int>()).Order().ToList();
        versions.ShouldBe([2, 3]);
    }

    [Fact]
    public async Task ExpirySweep_WarnsOnceOfAPeeringThatExpiresSoon()
    {
        // Eight minutes ahead: inside the test stack's ExpiryNoticePeriod of ten.
        var request = Build.Request("chw-soon", "ch15", "ch16");
        request["expiresAt"] = Time(DateTimeOffset.UtcNow.AddMinutes(8));
        await world.ProvisionAsync(request, "ch15", "ch16");

        var sweeps = new List<ExecutionResult>();
        for (var i = 0; i < 2; i++)
        {
            sweeps.Add(await Stack.Driver.WaitForExecutionAsync("TeardownPeeringStateMachine", await Stack.Driver.FireScheduleAsync("TeardownPeeringStateMachineExpirySweep"), Timeout));
        }

        var notice = await Stack.Driver.WaitForOutcomeAsync("Peering Expiring Soon", e => e["detail"]?["requestId"]?.GetValue<string>() == "chw-soon", Timeout);
        notice["detail"]!["extendCommand"]!.GetValue<string>().ShouldContain("Peering Change Requested");
        await world.WaitForAlertAsync(a => a["Subject"]?.GetValue<string>() == "VPC peering expires soon" && a["Message"]!.GetValue<string>().Contains("chw-soon"));
        var alerts = (await world.AlertsSoFarAsync()).Count(a => a["Subject"]?.GetValue<string>() == "VPC peering expires soon"
                                                                  && a["Message"]!.GetValue<string>().Contains("\"chw-soon\""));
        alerts.ShouldBe(1, "once per expiry, however many sweeps");
        (await Stack.Ledger!.GetAsync(RequestId.Parse("chw-soon")))!.ExpiryNoticeFor.ShouldBe(request["expiresAt"]!.GetValue<string>());
    }
}
