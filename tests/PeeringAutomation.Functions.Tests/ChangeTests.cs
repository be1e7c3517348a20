using System.Text.Json.Nodes;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Functions.Changes;
using PeeringAutomation.Functions.Teardown;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// A provisioned peering (requester: two route tables, tcp 443 ingress; accepter: one table) and a
/// driver that runs a <c>Peering Change Requested</c> event through the ChangePeering steps the way
/// the state machine does: take, then apply, and on an apply failure roll back.
/// </summary>
internal sealed class ChangeWorld
{
    public const string Hub = "123456789012";
    public static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    public ChangeWorld(Action<JsonObject>? request = null, string asker = Hub)
    {
        World = new ProvisioningWorld(clock: Clock);
        SecondTable = RouteTableId.Parse(World.Ec2.NewId("rtb"));
        World.Ec2.RouteTables.Add((ProvisioningWorld.Requester, new RouteTable
        {
            Id = SecondTable, VpcId = World.RequesterVpc, IsMain = false,
            Routes = [new Route(Cidr.Parse("10.1.0.0/16"), RouteTargetKind.Local, "local", "active")],
        }));
        var envelope = World.Event(request);
        envelope["account"] = asker;
        Task.Run(() => World.ProvisionAsync(envelope)).GetAwaiter().GetResult();
        Record.Status.ShouldBe(LedgerStatus.Provisioned);
    }

    public ManualClock Clock { get; } = new(Start);

    public ProvisioningWorld World { get; }

    public FakeEc2 Ec2 => World.Ec2;

    public RouteTableId SecondTable { get; }

    public RequestRecord Record => World.Ledger.Records[RequestId.Parse("chg-42")];

    public PeeringConnectionId Peering => Record.PeeringId!.Value;

    private int executions;

    public static JsonObject Envelope(JsonObject detail, string account, string? id = null) => new()
    {
        ["version"] = "0", ["id"] = id ?? Guid.NewGuid().ToString(), ["detail-type"] = "Peering Change Requested", ["source"] = "vpc-peering",
        ["account"] = account, ["time"] = "2026-11-30T09:00:00Z", ["region"] = "us-east-1", ["resources"] = new JsonArray(), ["detail"] = detail,
    };

    public static JsonObject Ingress(string group, params int[] ports) =>
        new() { ["ingressFromPeer"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject
        {
            ["securityGroupId"] = group, ["protocol"] = "tcp", ["fromPort"] = p, ["toPort"] = p,
        }).ToArray()) };

    /// <summary>Takes a change (first step only): the intake result.</summary>
    public async Task<JsonObject> TakeAsync(JsonObject detail, string account = Hub, string? executionArn = null, string? eventId = null)
    {
        detail["requestId"] ??= "chg-42";
        var arn = executionArn ?? $"arn:aws:states:us-east-1:{Hub}:execution:change:{Interlocked.Increment(ref executions)}";
        return (JsonObject)await ProvisioningWorld.InvokeAsync(new TakeChangeFunction(World.Services).Handle,
            ProvisioningWorld.IntakeInput(Envelope(detail, account, eventId), arn));
    }

    /// <summary>Apply, or (when it throws) roll back, as the state machine's Catch does: the event detail that leaves.</summary>
    public async Task<(string Kind, JsonNode Outcome)> ApplyAsync(JsonObject taken)
    {
        var input = new JsonObject { ["requestId"] = taken["requestId"]!.DeepClone(), ["changeId"] = taken["changeId"]!.DeepClone() };
        try
        {
            var applied = await ProvisioningWorld.InvokeAsync(new ApplyChangeFunction(World.Services).Handle, input);
            return ("changed", applied["outcome"]!);
        }
        catch (PeeringAutomationError e)
        {
            Ec2.Fault = null;
            input["error"] = new JsonObject { ["Error"] = e.GetType().Name, ["Cause"] = e.Message };
            var rolledBack = await ProvisioningWorld.InvokeAsync(new RollbackChangeFunction(World.Services).Handle, input);
            rolledBack["alreadyApplied"]!.GetValue<bool>().ShouldBeFalse();
            return ("rolledBack", rolledBack["outcome"]!);
        }
    }

    /// <summary>The whole workflow: take, then apply (or roll back) when the intake says so.</summary>
    public async Task<(string Kind, JsonNode Outcome)> ChangeAsync(JsonObject detail, string account = Hub, string? eventId = null)
    {
        var taken = await TakeAsync(detail, account, eventId: eventId);
        return taken["outcome"]!.GetValue<string>() switch
        {
            "apply" => await ApplyAsync(taken),
            "unchanged" => ("unchanged", taken["changed"]!),
            "approval" => ("approval", taken["approvalRequested"]!),
            "rejected" => ("rejected", taken["rejected"]!),
            var other => (other, taken),
        };
    }

    /// <summary>A Peering Approval Decided event for a change, through the decision step and (when it begins the change) the apply.</summary>
    public async Task<(string Kind, JsonNode Outcome)> DecideAsync(string account, string changeId, string decision)
    {
        var envelope = Envelope(new JsonObject { ["requestId"] = "chg-42", ["changeId"] = changeId, ["decision"] = decision }, account);
        envelope["detail-type"] = "Peering Approval Decided";
        var arn = $"arn:aws:states:us-east-1:{Hub}:execution:change:{Interlocked.Increment(ref executions)}";
        var decided = (JsonObject)await ProvisioningWorld.InvokeAsync(new DecideChangeFunction(World.Services).Handle, ProvisioningWorld.IntakeInput(envelope, arn));
        return decided["outcome"]!.GetValue<string>() switch
        {
            "apply" => await ApplyAsync(decided),
            "rejected" => ("rejected", decided["rejected"]!),
            var other => (other, decided["decisionNoted"] ?? decided),
        };
    }

    public IReadOnlyList<Route> RoutesOf(RouteTableId table) =>
        Ec2.RouteTables.Single(t => t.Table.Id == table).Table.Routes.Where(r => r.TargetKind == RouteTargetKind.PeeringConnection).ToList();

    public IReadOnlyList<IngressPermission> RulesOf(SecurityGroupId group) => Ec2.Groups.Single(g => g.Group.Id == group).Group.Ingress;

    /// <summary>Everything a change may touch, as text: routes, rules, DNS options and the peering's tags on both sides.</summary>
    public string Snapshot() => string.Join("\n",
        Ec2.RouteTables.OrderBy(t => t.Table.Id.Value).Select(t => $"{t.Table.Id}: {string.Join(", ", t.Table.Routes.Select(r => $"{r.Destination}->{r.TargetId}"))}")
            .Concat(Ec2.Groups.OrderBy(g => g.Group.Id.Value).Select(g => $"{g.Group.Id}: {string.Join(", ", g.Group.Ingress.Select(p => $"{p.Protocol}/{p.FromPort}-{p.ToPort}/{p.SourceCidr}/{p.Description}"))}"))
            .Concat(Ec2.DnsResolution.Where(d => d.Value).OrderBy(d => d.Key.RequesterSide).Select(d => $"dns allowed, requester side {d.Key.RequesterSide}"))
            .Concat(Ec2.Peerings.Values.Select(p => $"{p.Id} tags: {string.Join(", ", p.Tags.OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}"))}"))
            .Concat(Ec2.AccepterTags.Select(t => $"{t.Key} accepter tags: {string.Join(", ", t.Value.OrderBy(v => v.Key).Select(v => $"{v.Key}={v.Value}"))}")));

    public List<string> CallsSinceClear()
    {
        var calls = Ec2.Calls.ToList();
        Ec2.Calls.Clear();
        return calls;
    }
}

public sealed class ChangeTests
{
    private static readonly string Requester = ProvisioningWorld.Requester.Account.Value;
    private static readonly string Accepter = ProvisioningWorld.Accepter.Account.Value;

    [Fact]
    public async Task ChangePeering_AddsAPortKeepingTheOldRuleGivenBothPortsAsked()
    {
        var world = new ChangeWorld();
        var group = world.World.RequesterGroup;

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["requester"] = ChangeWorld.Ingress(group.Value, 443, 5432) }, Requester);

        kind.ShouldBe("changed");
        world.RulesOf(group).Select(r => r.FromPort).Distinct().Order().ShouldBe([443, 5432]);
        outcome["added"]!["requester"]!["rules"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldAllBe(r => r.Contains("tcp 5432-5432"));
        outcome["removed"]!["requester"]!["rules"]!.AsArray().ShouldBeEmpty();
        outcome["version"]!.GetValue<int>().ShouldBe(1);
        world.Record.Version.ShouldBe(1);
        world.Record.Plan!.Requester.GroupRules.Single().Permissions.Select(p => p.FromPort).Order().ShouldBe([443, 5432]);
    }

    [Fact]
    public async Task ChangePeering_AddsTheNewRuleBeforeRevokingTheOldGivenAReplacedPort()
    {
        var world = new ChangeWorld();
        var group = world.World.RequesterGroup;
        world.CallsSinceClear();

        var (kind, _) = await world.ChangeAsync(new JsonObject { ["requester"] = ChangeWorld.Ingress(group.Value, 5432) }, Requester);

        kind.ShouldBe("changed");
        var calls = world.CallsSinceClear();
        calls.IndexOf("ec2:AuthorizeSecurityGroupIngress").ShouldBeGreaterThan(-1);
        calls.IndexOf("ec2:AuthorizeSecurityGroupIngress").ShouldBeLessThan(calls.IndexOf("ec2:RevokeSecurityGroupIngress"),
            "never a moment with less than both the old and the new allowed");
        world.RulesOf(group).Select(r => r.FromPort).Distinct().ShouldBe([5432]);
    }

    [Fact]
    public async Task ChangePeering_RemovesOnlyThatTablesRoutesGivenAShorterRouteTableList()
    {
        var world = new ChangeWorld();
        world.RoutesOf(world.SecondTable).ShouldNotBeEmpty();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject
        {
            ["requester"] = new JsonObject { ["routeTableIds"] = new JsonArray(world.World.RequesterTable.Value) },
        }, Requester);

        kind.ShouldBe("changed");
        world.RoutesOf(world.SecondTable).ShouldBeEmpty();
        world.RoutesOf(world.World.RequesterTable).ShouldNotBeEmpty();
        world.RoutesOf(world.World.AccepterTable).ShouldNotBeEmpty();
        outcome["removed"]!["requester"]!["routes"]!.AsArray().Single()!.GetValue<string>().ShouldStartWith(world.SecondTable.Value);

        // And back: the table gets its route again, the others are untouched.
        (kind, _) = await world.ChangeAsync(new JsonObject
        {
            ["requester"] = new JsonObject { ["routeTableIds"] = new JsonArray(world.World.RequesterTable.Value, world.SecondTable.Value) },
        }, Requester);
        kind.ShouldBe("changed");
        world.RoutesOf(world.SecondTable).Single().TargetId.ShouldBe(world.Peering.Value);
        world.Record.Version.ShouldBe(2);
    }

    [Fact]
    public async Task ChangePeering_EndsAtOnceWithAnEmptyDiffGivenTheRecordedState()
    {
        var world = new ChangeWorld();
        world.CallsSinceClear();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["requester"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 443) }, Requester);

        kind.ShouldBe("unchanged");
        outcome["added"]!["requester"]!["rules"]!.AsArray().ShouldBeEmpty();
        world.CallsSinceClear().ShouldAllBe(c => c.StartsWith("ec2:Describe"));
        world.Record.Version.ShouldBe(0);
    }

    [Fact]
    public async Task ChangePeering_RefusesTheOtherSidesIngressGivenAMemberAccount()
    {
        var world = new ChangeWorld();
        var before = world.Snapshot();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["accepter"] = ChangeWorld.Ingress(world.World.AccepterGroup.Value, 22) }, Requester);

        kind.ShouldBe("rejected");
        var reason = outcome["reasons"]!.AsArray().Single()!;
        reason["code"]!.GetValue<string>().ShouldBe("RequesterNotAuthorized");
        reason["message"]!.GetValue<string>().ShouldStartWith("accepter.ingressFromPeer:");
        world.Snapshot().ShouldBe(before);
    }

    [Fact]
    public async Task ChangePeering_LetsTheAccepterChangeItsOwnIngress()
    {
        var world = new ChangeWorld();

        var (kind, _) = await world.ChangeAsync(new JsonObject { ["accepter"] = ChangeWorld.Ingress(world.World.AccepterGroup.Value, 22) }, Accepter);

        kind.ShouldBe("changed");
        world.RulesOf(world.World.AccepterGroup).ShouldAllBe(r => r.FromPort == 22 && r.Description == "peering-automation chg-42");
    }

    [Fact]
    public async Task ChangePeering_RefusesAnAccountThatIsNoSide()
    {
        var world = new ChangeWorld();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["allowDnsResolution"] = true }, "333333333333");

        kind.ShouldBe("rejected");
        outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("RequesterNotAuthorized");
    }

    [Fact]
    public async Task ChangePeering_RestoresTheExactPreviousStateGivenAFailureWhileApplying()
    {
        var world = new ChangeWorld(d => d["expiresAt"] = "2026-12-10T00:00:00Z");
        var before = world.Snapshot();
        var record = world.Record;
        // The change adds a port, drops a table, turns DNS on and shortens the expiry; the last tag write fails.
        world.Ec2.Fault = action => action == "CreateTags" ? new AwsAccessDenied("UnauthorizedOperation: tagging denied") : null;

        var (kind, outcome) = await world.ChangeAsync(new JsonObject
        {
            ["requester"] = new JsonObject
            {
                ["routeTableIds"] = new JsonArray(world.World.RequesterTable.Value),
                ["ingressFromPeer"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 5432)["ingressFromPeer"]!.DeepClone(),
            },
            ["allowDnsResolution"] = true,
            ["expiresAt"] = "2026-12-05T00:00:00Z",
        }, Requester);

        kind.ShouldBe("rolledBack");
        outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ChangeRolledBack");
        outcome["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain("AwsAccessDenied");
        world.Snapshot().ShouldBe(before, "routes, rules, DNS and tags as they were");
        world.Ec2.DnsResolution.Values.ShouldAllBe(allowed => !allowed);
        world.Record.Version.ShouldBe(record.Version);
        world.Record.Plan.ShouldBe(record.Plan);
        world.Record.ExpiresAt.ShouldBe(record.ExpiresAt);
        world.Record.ChangeInProgress.ShouldBeNull();
        world.World.Ledger.Changes.Values.Single().Status.ShouldBe(ChangeStatus.RolledBack);
    }

    [Fact]
    public async Task ChangePeering_KeepsAndReportsAChangeWhoseApplyFinishedGivenItsAnswerWasLost()
    {
        var world = new ChangeWorld();
        var taken = await world.TakeAsync(new JsonObject { ["requester"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 443, 5432) }, Requester);
        var input = new JsonObject { ["requestId"] = taken["requestId"]!.DeepClone(), ["changeId"] = taken["changeId"]!.DeepClone() };
        await ProvisioningWorld.InvokeAsync(new ApplyChangeFunction(world.World.Services).Handle, input.DeepClone());
        var applied = world.Snapshot();
        // The apply finished, but the state machine saw an error (its answer was lost) and rolls back.
        input["error"] = new JsonObject { ["Error"] = "Lambda.Unknown", ["Cause"] = "the answer was lost" };

        var rolledBack = await ProvisioningWorld.InvokeAsync(new RollbackChangeFunction(world.World.Services).Handle, input);

        rolledBack["alreadyApplied"]!.GetValue<bool>().ShouldBeTrue();
        rolledBack["outcome"]!["changeId"]!.GetValue<string>().ShouldBe(taken["changeId"]!.GetValue<string>());
        rolledBack["outcome"]!["added"]!["requester"]!["rules"]!.AsArray().ShouldNotBeEmpty("the Peering Changed detail");
        world.Snapshot().ShouldBe(applied, "a finished change is not undone: later changes may stand on it");
        world.World.Ledger.Changes.Values.Single().Status.ShouldBe(ChangeStatus.Applied);
        world.Record.Version.ShouldBe(1);
    }

    [Fact]
    public async Task ChangePeering_RefusesAndTouchesNothingGivenANewRuleThatConflicts()
    {
        var world = new ChangeWorld();
        // Someone else's rule for the same port and source.
        var index = world.Ec2.Groups.FindIndex(g => g.Group.Id == world.World.RequesterGroup);
        var group = world.Ec2.Groups[index];
        world.Ec2.Groups[index] = (group.Scope, group.Group with
        {
            Ingress = [.. group.Group.Ingress, new IngressPermission
            {
                Protocol = "tcp", FromPort = 5432, ToPort = 5432, SourceCidr = Cidr.Parse("10.20.0.0/16"), Description = "hand-made",
            }],
        });
        var before = world.Snapshot();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["requester"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 443, 5432) }, Requester);

        kind.ShouldBe("rejected");
        outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("RuleConflict");
        world.Snapshot().ShouldBe(before);
    }

    [Fact]
    public async Task ChangePeering_HasOneEffectGivenTheSameChangeTwice()
    {
        var world = new ChangeWorld();
        var detail = new JsonObject { ["changeId"] = "add-5432", ["requester"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 443, 5432) };

        var first = await world.ChangeAsync((JsonObject)detail.DeepClone(), Requester);
        var calls = world.CallsSinceClear();
        var second = await world.ChangeAsync((JsonObject)detail.DeepClone(), Requester);

        first.Kind.ShouldBe("changed");
        second.Kind.ShouldBe("duplicate");
        world.CallsSinceClear().ShouldBeEmpty("a duplicate reads only the ledger");
        calls.ShouldNotBeEmpty();
        world.Record.Version.ShouldBe(1);

        // The same change id for other content is refused.
        var reused = await world.ChangeAsync(new JsonObject { ["changeId"] = "add-5432", ["allowDnsResolution"] = true }, Requester);
        reused.Kind.ShouldBe("rejected");
        reused.Outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ChangeIdReused");
    }

    [Fact]
    public async Task ChangePeering_AppliesTwoChangesOneAfterTheOtherGivenBothAtOnce()
    {
        var world = new ChangeWorld();
        var first = await world.TakeAsync(new JsonObject { ["changeId"] = "ports", ["requester"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 443, 5432) }, Requester);
        first["outcome"]!.GetValue<string>().ShouldBe("apply");

        // The second arrives while the first is applying: ChangeInProgress, which the state machine retries.
        await Should.ThrowAsync<ChangeInProgress>(() => world.TakeAsync(new JsonObject { ["changeId"] = "dns", ["allowDnsResolution"] = true }, Requester));

        (await world.ApplyAsync(first)).Kind.ShouldBe("changed");
        var second = await world.ChangeAsync(new JsonObject { ["changeId"] = "dns", ["allowDnsResolution"] = true }, Requester);

        second.Kind.ShouldBe("changed");
        second.Outcome["version"]!.GetValue<int>().ShouldBe(2);
        world.RulesOf(world.World.RequesterGroup).Select(r => r.FromPort).Distinct().Order().ShouldBe([443, 5432]);
        world.Ec2.DnsResolution.Values.ShouldAllBe(allowed => allowed);
        world.Record.History.Count(h => h.Status == "Changed").ShouldBe(2);
    }

    [Fact]
    public async Task ChangePeering_TurnsDnsOnThenOffOnBothSides()
    {
        var world = new ChangeWorld();

        (await world.ChangeAsync(new JsonObject { ["allowDnsResolution"] = true }, Requester)).Kind.ShouldBe("changed");
        world.Ec2.DnsResolution[(world.Peering, true)].ShouldBeTrue();
        world.Ec2.DnsResolution[(world.Peering, false)].ShouldBeTrue();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["allowDnsResolution"] = false }, Accepter);
        kind.ShouldBe("changed");
        outcome["allowDnsResolution"]!["to"]!.GetValue<string>().ShouldBe("false");
        world.Ec2.DnsResolution.Values.ShouldAllBe(allowed => !allowed);
        world.Record.AllowDnsResolution.ShouldBeFalse();
    }

    [Fact]
    public async Task ChangePeering_RefusesDnsGivenAPeeringThatIsNotActive()
    {
        var world = new ChangeWorld();
        world.Ec2.Peerings[world.Peering] = world.Ec2.Peerings[world.Peering] with { Status = PeeringStatus.Provisioning };

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["allowDnsResolution"] = true }, Requester);

        kind.ShouldBe("rejected");
        outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("PeeringNotActive");
    }

    [Fact]
    public async Task ChangePeering_ShortensTheExpiryForEitherSideAndTheSweepHonoursIt()
    {
        var world = new ChangeWorld(d => d["expiresAt"] = "2026-12-10T00:00:00Z");

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["expiresAt"] = "2026-12-01T00:00:00Z" }, Accepter);

        kind.ShouldBe("changed");
        outcome["expiresAt"]!["from"]!.GetValue<string>().ShouldBe("2026-12-10T00:00:00Z");
        world.Ec2.Peerings[world.Peering].Tags[ManagedMarkers.ExpiresAtTag].ShouldBe("2026-12-01T00:00:00Z");
        world.Ec2.AccepterTags[world.Peering][ManagedMarkers.ExpiresAtTag].ShouldBe("2026-12-01T00:00:00Z");
        (await world.World.Ledger.ExpiredAsync(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero))).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ChangePeering_AsksForApprovalGivenAnExtensionByARequesterWithoutConsent()
    {
        var world = new ChangeWorld(d => d["expiresAt"] = "2026-12-10T00:00:00Z");
        var before = world.Snapshot();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["expiresAt"] = "2026-12-20T00:00:00Z" }, Requester);

        kind.ShouldBe("approval");
        outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccepterConsentRequired");
        outcome["approvers"]![0]!["approvers"]![0]!.GetValue<string>().ShouldBe(Accepter);
        world.Snapshot().ShouldBe(before);
        world.Record.ExpiresAt.ShouldBe(new DateTimeOffset(2026, 12, 10, 0, 0, 0, TimeSpan.Zero));
        world.World.Ledger.Changes.Values.Single().Status.ShouldBe(ChangeStatus.AwaitingApproval);

        // The accepter itself extends without approval; "never" removes the expiry.
        (await world.ChangeAsync(new JsonObject { ["expiresAt"] = "never" }, Accepter)).Kind.ShouldBe("changed");
        world.Record.ExpiresAt.ShouldBeNull();
        (await world.World.Ledger.ExpiredAsync(new DateTimeOffset(2027, 12, 1, 0, 0, 0, TimeSpan.Zero))).ShouldBeEmpty();
    }

    [Fact]
    public async Task ChangePeering_AppliesAnExtensionOnceTheAccepterApprovesAndIgnoresOthers()
    {
        var world = new ChangeWorld(d => d["expiresAt"] = "2026-12-10T00:00:00Z");
        var (kind, asked) = await world.ChangeAsync(new JsonObject { ["changeId"] = "extend", ["expiresAt"] = "2026-12-20T00:00:00Z" }, Requester);
        kind.ShouldBe("approval");
        asked["approveCommand"]!.GetValue<string>().ShouldContain("\\\"changeId\\\": \\\"extend\\\"");
        asked["deadline"].ShouldNotBeNull();

        var stranger = await world.DecideAsync("333333333333", "extend", "approve");
        var requester = await world.DecideAsync(Requester, "extend", "approve");
        stranger.Kind.ShouldBe("ignored");
        stranger.Outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ApprovalNotAuthorized");
        requester.Kind.ShouldBe("ignored", "the asker cannot approve its own extension");
        world.Record.ExpiresAt.ShouldBe(new DateTimeOffset(2026, 12, 10, 0, 0, 0, TimeSpan.Zero));

        var (approvedKind, changed) = await world.DecideAsync(Accepter, "extend", "approve");

        approvedKind.ShouldBe("changed");
        changed["expiresAt"]!["to"]!.GetValue<string>().ShouldBe("2026-12-20T00:00:00Z");
        changed["account"]!.GetValue<string>().ShouldBe(Requester);
        world.Record.ExpiresAt.ShouldBe(new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero));
        world.Record.Version.ShouldBe(1);
        var change = world.World.Ledger.Changes.Values.Single();
        change.Status.ShouldBe(ChangeStatus.Applied);
        change.Approvals.Single().ApprovedBy.ShouldBe(Accepter);
        (await world.DecideAsync(Accepter, "extend", "approve")).Kind.ShouldBe("ignored", "a second approval changes nothing");
    }

    [Fact]
    public async Task ChangePeering_EndsRejectedGivenTheApproverRejects()
    {
        var world = new ChangeWorld(d => d["expiresAt"] = "2026-12-10T00:00:00Z");
        (await world.ChangeAsync(new JsonObject { ["changeId"] = "forever", ["expiresAt"] = "never" }, Requester)).Kind.ShouldBe("approval");

        var (kind, outcome) = await world.DecideAsync(ChangeWorld.Hub, "forever", "reject");

        kind.ShouldBe("rejected");
        outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("ApprovalRejected");
        world.World.Ledger.Changes.Values.Single().Status.ShouldBe(ChangeStatus.Rejected);
        world.Record.ExpiresAt.ShouldNotBeNull();
        (await world.DecideAsync(Accepter, "forever", "approve")).Kind.ShouldBe("ignored");
    }

    [Fact]
    public async Task ChangePeering_RefusesUnknownAndTornDownPeerings()
    {
        var world = new ChangeWorld();

        var unknown = await world.ChangeAsync(new JsonObject { ["requestId"] = "nope-1", ["allowDnsResolution"] = true });
        unknown.Outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("PeeringNotFound");

        var resolved = await ProvisioningWorld.InvokeAsync(new ResolveTeardownFunction(world.World.Services).Handle,
            TeardownTests.TeardownEvent(new JsonObject { ["requestId"] = "chg-42" }));
        await ProvisioningWorld.InvokeAsync(new TeardownPeeringFunction(world.World.Services).Handle, resolved["targets"]![0]!.DeepClone());
        var gone = await world.ChangeAsync(new JsonObject { ["allowDnsResolution"] = true });
        gone.Kind.ShouldBe("rejected");
        gone.Outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("PeeringNotLive");
    }

    [Fact]
    public async Task ChangePeering_RefusesASideFieldThatMovesTheSide()
    {
        var world = new ChangeWorld();

        var (kind, outcome) = await world.ChangeAsync(new JsonObject { ["requester"] = new JsonObject { ["vpcId"] = "vpc-0123456789abcdef0" } }, Requester);

        kind.ShouldBe("rejected");
        outcome["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("InvalidRequest");
        outcome["reasons"]![0]!["message"]!.GetValue<string>().ShouldStartWith("requester.vpcId");
    }

    [Fact]
    public async Task ChangePeering_CallsEc2AFewTimesPerChange()
    {
        var world = new ChangeWorld();
        world.CallsSinceClear();

        await world.ChangeAsync(new JsonObject { ["requester"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 5432) }, Requester);

        var calls = world.CallsSinceClear();
        // Take: the two snapshots (VPC, peerings, tables; groups only on the side with rules); apply: authorize
        // (the take read the group: a describe only if EC2 says the rule exists), then describe + revoke.
        calls.Count.ShouldBe(10, string.Join(", ", calls));
        calls.Count(c => c.StartsWith("ec2:Describe")).ShouldBe(8);
        var ledger = world.World.Ledger.Calls;
        ledger.Clear();
        await world.ChangeAsync(new JsonObject { ["requester"] = ChangeWorld.Ingress(world.World.RequesterGroup.Value, 5432) }, Requester);
        world.CallsSinceClear().Count.ShouldBe(7, "a change that changes nothing only reads");
        ledger.ShouldBe(["GetItem", "GetItem", "PutItem"]);
    }

    [Fact]
    public async Task ExpiryNotices_WarnOncePerExpiryAndAgainAfterAnExtension()
    {
        // Provisioned at 09:00; it expires 21 h later, inside the default notice period of 24 h.
        var world = new ChangeWorld(d => d["expiresAt"] = "2026-12-01T06:00:00Z");
        var sweep = TeardownTests.ScheduledEvent();

        var first = await ProvisioningWorld.InvokeAsync(new ResolveTeardownFunction(world.World.Services).Handle, sweep.DeepClone());
        var second = await ProvisioningWorld.InvokeAsync(new ResolveTeardownFunction(world.World.Services).Handle, sweep.DeepClone());

        var notice = first["expiringSoon"]!.AsArray().ShouldHaveSingleItem()!;
        notice["expiresAt"]!.GetValue<string>().ShouldBe("2026-12-01T06:00:00Z");
        notice["extendCommand"]!.GetValue<string>().ShouldContain("Peering Change Requested");
        notice["extendCommand"]!.GetValue<string>().ShouldContain("2026-12-02T06:00:00Z");
        second["expiringSoon"]!.AsArray().ShouldBeEmpty("once per expiry");

        // Extended (by the accepter, no approval needed): a new expiry gets its own notice when it comes close.
        (await world.ChangeAsync(new JsonObject { ["expiresAt"] = "2026-12-01T08:00:00Z" }, Accepter)).Kind.ShouldBe("changed");
        var third = await ProvisioningWorld.InvokeAsync(new ResolveTeardownFunction(world.World.Services).Handle, sweep.DeepClone());
        third["expiringSoon"]!.AsArray().ShouldHaveSingleItem()!["expiresAt"]!.GetValue<string>().ShouldBe("2026-12-01T08:00:00Z");
    }
}
