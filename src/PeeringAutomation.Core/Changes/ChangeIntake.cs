using System.Text.Json;
using PeeringAutomation.Core.Approvals;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Changes;

/// <summary>Where a change goes after intake.</summary>
public static class ChangeOutcomeKind
{
    public const string Apply = "apply";
    public const string Unchanged = "unchanged";
    public const string AwaitingApproval = "approval";
    public const string Rejected = "rejected";
    public const string Duplicate = "duplicate";

    /// <summary>A decision that counted, while other approvals are still needed.</summary>
    public const string Recorded = "recorded";

    /// <summary>A decision that changed nothing (not an approver, nothing pending, malformed).</summary>
    public const string Ignored = "ignored";
}

/// <summary>What the intake decided about one delivery of a <c>Peering Change Requested</c> event.</summary>
public sealed record ChangeIntakeOutcome
{
    /// <summary><see cref="ChangeOutcomeKind"/>.</summary>
    public required string Kind { get; init; }

    public PeeringChangeRequest? Request { get; init; }

    public RequestRecord? Record { get; init; }

    /// <summary>The change as recorded (for apply, unchanged and approval).</summary>
    public ChangeRecord? Change { get; init; }

    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    /// <summary>The envelope account that decided (decisions).</summary>
    public string? Decider { get; init; }
}

/// <summary>
/// The first step of a change of a live peering (README "Changing a live peering"): parse; find the
/// request in the ledger (unknown, torn-down or unmanaged peerings are refused); authorise each field on
/// the envelope account; build the desired state (a field left out keeps its recorded value) and
/// validate it as a new request would be validated, against snapshots from which the peering's own
/// routes and rules are taken out (so they neither conflict nor count twice against quotas); diff it
/// against the recorded state; ask for approval when it adds what a new request would need approval
/// for (an extended expiry, all traffic); else begin the change in the ledger with an optimistic
/// version check, so two changes of one peering are applied one after the other. A
/// <c>Peering Approval Decided</c> event with a <c>changeId</c> counts only from an approver account;
/// once every approval is in, the change is computed again from its recorded detail against the
/// current state (things change while people think) and begun like any other.
/// </summary>
public sealed class ChangeIntake(
    RequestParser parser,
    PeeringPlanner planner,
    SnapshotReader snapshots,
    ApprovalTriggers approvals,
    IRequestLedger ledger,
    PeeringPolicy policy,
    TimeProvider clock)
{
    public async Task<ChangeIntakeOutcome> TakeAsync(JsonElement envelope, string? executionArn, CancellationToken ct = default)
    {
        var parsed = parser.ParsePeeringChangeRequested(envelope);
        if (!parsed.IsValid)
        {
            return new ChangeIntakeOutcome { Kind = ChangeOutcomeKind.Rejected, Reasons = parsed.Reasons };
        }
        var request = parsed.Value;
        var envelopeParts = EventEnvelope.Of(envelope);
        var record = await ledger.GetAsync(request.RequestId, ct);
        if (record is null)
        {
            return Refused(request, null, ReasonCodes.PeeringNotFound,
                $"requestId: the ledger has no request {request.RequestId}; only peerings the automation made can be changed");
        }
        var detail = EventEnvelope.DetailOf(envelope);
        var fingerprint = RequestFingerprint.Of(detail, envelopeParts.Account ?? "");
        if (await ledger.GetChangeAsync(request.RequestId, request.ChangeId, ct) is { } existing)
        {
            return Existing(request, record, existing, fingerprint, executionArn);
        }
        return await ComputeAsync(request, record, envelopeParts, detail.GetRawText(), fingerprint, executionArn, approved: null, ct);
    }

    /// <summary>
    /// Authorise, validate, diff, decide approval and begin. <paramref name="approved"/> is the change that
    /// waited for approval and now has every one: it is begun without asking again.
    /// </summary>
    private async Task<ChangeIntakeOutcome> ComputeAsync(
        PeeringChangeRequest request, RequestRecord record, EventEnvelope envelopeParts, string detail, string fingerprint,
        string? executionArn, ChangeRecord? approved, CancellationToken ct)
    {
        var asker = envelopeParts.Account;
        if (CheckChangeable(record) is { } notChangeable)
        {
            return Refused(request, record, notChangeable.Code, notChangeable.Message);
        }
        var refusals = Authorize(request, record, asker);
        if (refusals.Count > 0)
        {
            return Refused(request, record, [.. refusals]);
        }
        if (record.ChangeInProgress is { } busy && busy != request.ChangeId.Value)
        {
            // Retried by the state machine: this change is computed again once the other one is done.
            throw new ChangeInProgress($"change {busy} of request {record.RequestId} is being applied; change {request.ChangeId} waits for it");
        }

        var before = PeeringState.Of(record);
        var desired = Desired(request, record, before);
        var requesterRead = snapshots.ReadAsync(desired.Requester, ct);
        var accepterRead = snapshots.ReadAsync(desired.Accepter, ct);
        var (requesterSnapshot, accepterSnapshot) = (await requesterRead, await accepterRead);
        var reasons = new List<Reason>();
        var peering = requesterSnapshot.Peerings.FirstOrDefault(p => p.Id == record.PeeringId);
        if (peering is null || !PeeringStatus.IsLive(peering.Status))
        {
            return Refused(request, record, ReasonCodes.PeeringNotLive,
                $"peering {record.PeeringId} of request {record.RequestId} is {(peering?.Status ?? "gone")} in EC2; it cannot be changed");
        }
        var ruleDescription = ManagedMarkers.RuleDescription(record.RequestId);
        var validation = planner.Plan(desired,
            WithoutOwn(requesterSnapshot, record.PeeringId!.Value, ruleDescription),
            WithoutOwn(accepterSnapshot, record.PeeringId!.Value, ruleDescription));
        reasons.AddRange(validation.Reasons);
        if (request.AllowDnsResolution is { } dns && dns != before.AllowDnsResolution && peering.Status != PeeringStatus.Active)
        {
            reasons.Add(new(ReasonCodes.PeeringNotActive,
                $"allowDnsResolution: peering {peering.Id} is {peering.Status}; EC2 sets DNS resolution options only on an active peering"));
        }
        if (reasons.Count > 0 || validation.Plan is not { } plan)
        {
            return Refused(request, record, [.. reasons]);
        }
        var after = new PeeringState
        {
            Plan = new PeeringPlan { Requester = plan.Requester, Accepter = plan.Accepter },
            AllowDnsResolution = desired.AllowDnsResolution,
            ExpiresAt = desired.ExpiresAt,
        };
        var change = new ChangeRecord
        {
            RequestId = record.RequestId,
            ChangeId = request.ChangeId,
            Fingerprint = fingerprint,
            Asker = new RequestAsker { Account = asker ?? "unknown", RequestedBy = request.RequestedBy, EventId = envelopeParts.Id, EventTime = envelopeParts.Time },
            Status = ChangeStatus.Applying,
            Version = record.Version + 1,
            ExecutionArn = executionArn,
            Before = before,
            After = after,
            Diff = ChangeDiff.Between(before, after),
            Detail = detail,
            Approvals = approved?.Approvals ?? [],
            At = LedgerTime.Of(clock.GetUtcNow()),
        };
        if (change.Diff.IsEmpty)
        {
            var unchanged = change with { Status = ChangeStatus.Unchanged, Version = record.Version };
            await ledger.PutChangeAsync(unchanged, ct);
            return new ChangeIntakeOutcome { Kind = ChangeOutcomeKind.Unchanged, Request = request, Record = record, Change = unchanged };
        }
        var needed = approved is null ? ApprovalsFor(desired, before, after, requesterSnapshot.Vpc!, accepterSnapshot.Vpc!, asker) : [];
        if (needed.Count > 0)
        {
            var waiting = change with
            {
                Status = ChangeStatus.AwaitingApproval, Approvals = needed, ApprovalDeadline = clock.GetUtcNow() + policy.ApprovalTimeout,
            };
            await ledger.PutChangeAsync(waiting, ct);
            return new ChangeIntakeOutcome { Kind = ChangeOutcomeKind.AwaitingApproval, Request = request, Record = record, Change = waiting };
        }
        switch (await ledger.BeginChangeAsync(change, record.Version, ct))
        {
            case ChangeStart.Started:
                return new ChangeIntakeOutcome { Kind = ChangeOutcomeKind.Apply, Request = request, Record = record, Change = change };
            case ChangeStart.ChangeExists:
                var again = await ledger.GetChangeAsync(request.RequestId, request.ChangeId, ct);
                return again is null
                    ? throw new ChangeInProgress($"change {request.ChangeId} vanished while it was begun; computing it again")
                    : Existing(request, record, again, fingerprint, executionArn);
            default:
                throw new ChangeInProgress(
                    $"request {record.RequestId} moved past version {record.Version} while change {request.ChangeId} was computed; computing it again");
        }
    }

    /// <summary>
    /// Counts a <c>Peering Approval Decided</c> event for a change (<c>{requestId, changeId, decision, comment?}</c>):
    /// only from an approver account (the envelope account); one rejection ends it; past its deadline it
    /// expires; when every approval is in, the change is computed again and begun. Each step is a
    /// conditional write on the change's status, so a decision delivered twice has one effect.
    /// </summary>
    public async Task<ChangeIntakeOutcome> DecideAsync(JsonElement envelope, string? executionArn, CancellationToken ct = default)
    {
        var decider = EventEnvelope.Of(envelope).Account;
        var (requestId, changeId, decision, comment, problem) = ParseDecision(EventEnvelope.DetailOf(envelope));
        if (problem is not null)
        {
            return Ignored(decider, ReasonCodes.InvalidRequest, problem);
        }
        var record = await ledger.GetAsync(requestId!.Value, ct);
        var change = await ledger.GetChangeAsync(requestId.Value, changeId!.Value, ct);
        if (record is null || change is null || change.Status != ChangeStatus.AwaitingApproval)
        {
            return Ignored(decider, "ApprovalNotPending",
                $"change {changeId} of request {requestId} is {change?.Status ?? "unknown"}, not awaiting approval; the decision changes nothing");
        }
        var stored = ParseStored(change);
        var request = stored.Value;
        var now = clock.GetUtcNow();
        var at = LedgerTime.Of(now);
        if (change.ApprovalDeadline is { } deadline && deadline <= now)
        {
            return await EndAsync(request, record, change, new Reason("ApprovalExpired",
                $"change {change.ChangeId} was not approved by its deadline {LedgerTime.Of(deadline)}; ask again with a new change id"), at, decider, ct);
        }
        var pending = change.Approvals.Where(a => !a.IsGiven).ToList();
        var mine = pending.Where(a => decider is not null && a.Approvers.Contains(decider)).ToList();
        if (mine.Count == 0)
        {
            return Ignored(decider, "ApprovalNotAuthorized",
                $"account {decider ?? "(unknown)"} may not decide change {change.ChangeId}: approvers are " +
                string.Join("; ", pending.Select(a => $"{a.Code}: {string.Join(", ", a.Approvers)}")));
        }
        if (decision == "reject")
        {
            return await EndAsync(request, record, change, new Reason("ApprovalRejected",
                $"account {decider} rejected change {change.ChangeId}" + (comment is null ? "" : $": {comment}")), at, decider, ct);
        }
        var approvals = change.Approvals.Select(a => mine.Contains(a) ? a with { ApprovedBy = decider, ApprovedAt = at } : a).ToList();
        if (approvals.Any(a => !a.IsGiven))
        {
            var written = await ledger.UpdateChangeAsync(change with { Approvals = approvals, At = at }, ChangeStatus.AwaitingApproval, ct);
            return new ChangeIntakeOutcome
            {
                Kind = written ? ChangeOutcomeKind.Recorded : ChangeOutcomeKind.Ignored, Request = request, Record = record,
                Change = change with { Approvals = approvals }, Decider = decider,
            };
        }
        if (request is null)
        {
            // Its expiry was in the future when asked and has passed while people thought, for one.
            return await EndAsync(null, record, change, stored.Reasons[0], at, decider, ct);
        }
        // Every approval is in: compute the change again against what AWS and the ledger hold now, as the asker.
        var asked = new EventEnvelope(change.Asker.EventId, change.Asker.Account, change.Asker.EventTime);
        var outcome = await ComputeAsync(request, record, asked, change.Detail ?? "{}", change.Fingerprint, executionArn,
            change with { Approvals = approvals }, ct);
        if (outcome.Kind == ChangeOutcomeKind.Rejected)
        {
            await ledger.UpdateChangeAsync(change with { Status = ChangeStatus.Rejected, Approvals = approvals, Reasons = outcome.Reasons, At = at },
                ChangeStatus.AwaitingApproval, ct);
        }
        if (outcome.Kind == ChangeOutcomeKind.Unchanged)
        {
            await ledger.UpdateChangeAsync(change with { Status = ChangeStatus.Unchanged, Approvals = approvals, At = at }, ChangeStatus.AwaitingApproval, ct);
        }
        return outcome with { Decider = decider };
    }

    private async Task<ChangeIntakeOutcome> EndAsync(
        PeeringChangeRequest? request, RequestRecord record, ChangeRecord change, Reason reason, string at, string? decider, CancellationToken ct)
    {
        var written = await ledger.UpdateChangeAsync(change with { Status = ChangeStatus.Rejected, Reasons = [reason], At = at }, ChangeStatus.AwaitingApproval, ct);
        return written
            ? new ChangeIntakeOutcome { Kind = ChangeOutcomeKind.Rejected, Request = request, Record = record, Reasons = [reason], Decider = decider, Change = change }
            : Ignored(decider, "ApprovalNotPending", $"change {change.ChangeId} was decided by another decision meanwhile");
    }

    private RequestParseResult<PeeringChangeRequest> ParseStored(ChangeRecord change)
    {
        using var detail = JsonDocument.Parse(change.Detail ?? "{}");
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("source", RequestParser.EventSource);
            writer.WriteString("detail-type", RequestParser.PeeringChangeRequestedDetailType);
            writer.WriteString("id", change.Asker.EventId ?? change.ChangeId.Value);
            writer.WritePropertyName("detail");
            detail.RootElement.WriteTo(writer);
            writer.WriteEndObject();
        }
        using var envelope = JsonDocument.Parse(buffer.ToArray());
        return parser.ParsePeeringChangeRequested(envelope.RootElement);
    }

    private static ChangeIntakeOutcome Ignored(string? decider, string code, string message) =>
        new() { Kind = ChangeOutcomeKind.Ignored, Reasons = [new Reason(code, message)], Decider = decider };

    private static (RequestId? RequestId, RequestId? ChangeId, string? Decision, string? Comment, string? Problem) ParseDecision(JsonElement detail)
    {
        if (detail.ValueKind != JsonValueKind.Object)
        {
            return (null, null, null, null, "detail: must be an object {requestId, changeId, decision, comment?}");
        }
        var unknown = detail.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not ("requestId" or "changeId" or "decision" or "comment"));
        if (unknown is not null)
        {
            return (null, null, null, null, $"{unknown}: unknown field (expected requestId, changeId, decision, comment)");
        }
        RequestId? Id(string name) => detail.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                                      && Identifier.TryParse<RequestId>(value.GetString(), out var parsed, out _) ? parsed : null;
        var (requestId, changeId) = (Id("requestId"), Id("changeId"));
        if (requestId is null || changeId is null)
        {
            return (null, null, null, null, $"{(requestId is null ? "requestId" : "changeId")}: required, 1-64 of [A-Za-z0-9._-]");
        }
        var decision = detail.TryGetProperty("decision", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (decision is not ("approve" or "reject"))
        {
            return (requestId, changeId, null, null, "decision: must be \"approve\" or \"reject\"");
        }
        string? comment = null;
        if (detail.TryGetProperty("comment", out var c))
        {
            if (c.ValueKind != JsonValueKind.String || c.GetString()!.Length > 1000)
            {
                return (requestId, changeId, null, null, "comment: must be text of at most 1000 characters");
            }
            comment = c.GetString();
        }
        return (requestId, changeId, decision, comment, null);
    }

    /// <summary>Another delivery of a change already in the ledger: a duplicate, or this execution's own retried step.</summary>
    private static ChangeIntakeOutcome Existing(PeeringChangeRequest request, RequestRecord record, ChangeRecord existing, string fingerprint, string? executionArn)
    {
        if (existing.Fingerprint != fingerprint)
        {
            return Refused(request, record, ReasonCodes.ChangeIdReused,
                $"changeId: {request.ChangeId} was already used for a different change of request {request.RequestId} ({existing.Status}); use a new change id");
        }
        if (existing.ExecutionArn is null || existing.ExecutionArn != executionArn)
        {
            return new ChangeIntakeOutcome { Kind = ChangeOutcomeKind.Duplicate, Request = request, Record = record, Change = existing };
        }
        var kind = existing.Status switch
        {
            ChangeStatus.Applying => ChangeOutcomeKind.Apply,
            ChangeStatus.Unchanged => ChangeOutcomeKind.Unchanged,
            ChangeStatus.AwaitingApproval => ChangeOutcomeKind.AwaitingApproval,
            _ => ChangeOutcomeKind.Duplicate,
        };
        return new ChangeIntakeOutcome { Kind = kind, Request = request, Record = record, Change = existing };
    }

    private Reason? CheckChangeable(RequestRecord record)
    {
        if (!record.IsLive)
        {
            return new(ReasonCodes.PeeringNotLive, $"request {record.RequestId} is {record.Status}: there is no live peering to change");
        }
        if (record.Trigger != LedgerTrigger.Request
            || !new[] { record.Requester, record.Accepter }.All(s => policy.ManagedAccounts.Contains(s.Account) && policy.ManagedRegions.Contains(s.Region)))
        {
            return new(ReasonCodes.PeeringNotManaged,
                $"request {record.RequestId} ({record.Trigger}) has a side the automation does not manage; only peerings it provisioned in managed accounts can be changed");
        }
        if (record.Status != LedgerStatus.Provisioned || record.PeeringId is null || record.Plan is null)
        {
            return new(ReasonCodes.PeeringNotProvisioned,
                $"request {record.RequestId} is {record.Status}, not Provisioned; change it once it is provisioned");
        }
        return null;
    }

    /// <summary>
    /// A side's routes and rules: that side's account or a platform account. Destinations and DNS: either
    /// side or a platform account. Expiry: either side (an extension may still need approval).
    /// </summary>
    private IReadOnlyList<Reason> Authorize(PeeringChangeRequest request, RequestRecord record, string? asker)
    {
        if (policy.IsPlatform(asker))
        {
            return [];
        }
        var named = asker ?? "(unknown)";
        var sides = new[] { ("requester", record.Requester, request.Requester), ("accepter", record.Accepter, request.Accepter) };
        if (!sides.Any(s => s.Item2.Account.Value == asker))
        {
            return [new Reason(ReasonCodes.RequesterNotAuthorized,
                $"account {named} may not change request {record.RequestId}: it is no side of the peering ({record.Requester.Account} ↔ " +
                $"{record.Accepter.Account}) and not a platform account")];
        }
        var reasons = new List<Reason>();
        foreach (var (role, side, change) in sides.Where(s => s.Item3 is not null && s.Item2.Account.Value != asker))
        {
            var fields = new[] { change!.RouteTablesGiven ? "routeTableIds" : null, change.IngressFromPeer is not null ? "ingressFromPeer" : null }.OfType<string>();
            foreach (var field in fields)
            {
                reasons.Add(new(ReasonCodes.RequesterNotAuthorized,
                    $"{role}.{field}: account {named} may not change the {role} side (account {side.Account}); a side's routes and " +
                    "ingress are changed by that side's own account (or a platform account)"));
            }
        }
        return reasons;
    }

    /// <summary>The request a new peering with the desired state would be: recorded values where the change is silent.</summary>
    private static PeeringRequest Desired(PeeringChangeRequest change, RequestRecord record, PeeringState current) => new()
    {
        RequestId = record.RequestId,
        Requester = DesiredSide(record.Requester, current.Plan.Requester, change.Requester),
        Accepter = DesiredSide(record.Accepter, current.Plan.Accepter, change.Accepter),
        DestinationCidrs = change.DestinationCidrsGiven
            ? change.DestinationCidrs
            : current.Plan.Requester.Routes.Concat(current.Plan.Accepter.Routes).Select(r => r.Destination).Distinct().ToList(),
        AllowDnsResolution = change.AllowDnsResolution ?? current.AllowDnsResolution,
        ExpiresAt = change.Expiry is { } expiry ? expiry.At : current.ExpiresAt,
        RequestedBy = change.RequestedBy,
    };

    private static PeeringSideRequest DesiredSide(PeeringSideInfo side, SidePlan current, ChangeSide? change) => new()
    {
        AccountId = side.Account,
        Region = side.Region,
        VpcId = side.VpcId,
        // Left out keeps the recorded tables (it does not re-resolve "every table"); null asks for every table.
        RouteTableIds = change is { RouteTablesGiven: true } ? change.RouteTableIds : current.Routes.Select(r => r.RouteTableId).Distinct().ToList(),
        IngressFromPeer = change?.IngressFromPeer ?? CurrentIngress(current),
    };

    /// <summary>The ingress rules a recorded plan carries, as they were asked (one per group, protocol and ports).</summary>
    public static IReadOnlyList<IngressRequest> CurrentIngress(SidePlan plan) =>
        plan.GroupRules.SelectMany(g => g.Permissions.Select(p => new IngressRequest
        {
            SecurityGroupId = g.SecurityGroupId, Protocol = p.Protocol, FromPort = p.FromPort, ToPort = p.ToPort,
        })).Distinct().ToList();

    /// <summary>The snapshot as it would be without this peering's routes and rules: they are replaced, never in the way.</summary>
    private static SideSnapshot WithoutOwn(SideSnapshot snapshot, PeeringConnectionId peering, string ruleDescription) => snapshot with
    {
        RouteTables = snapshot.RouteTables.Select(t => t with
        {
            Routes = t.Routes.Where(r => !(r.TargetKind == RouteTargetKind.PeeringConnection && r.TargetId == peering.Value)).ToList(),
        }).ToList(),
        SecurityGroups = snapshot.SecurityGroups.Select(g => g with { Ingress = g.Ingress.Where(p => p.Description != ruleDescription).ToList() }).ToList(),
    };

    /// <summary>
    /// An extended (or removed) expiry is a new peering for the time added: it needs what a new request between these VPCs
    /// would need. New all-traffic rules need the platform's approval, as in a request. Shortening needs nobody.
    /// </summary>
    private IReadOnlyList<RequiredApproval> ApprovalsFor(PeeringRequest desired, PeeringState before, PeeringState after, Vpc requesterVpc, Vpc accepterVpc, string? asker)
    {
        var extended = before.ExpiresAt is { } was && (after.ExpiresAt is null || after.ExpiresAt > was);
        var all = approvals.For(desired, requesterVpc, accepterVpc, asker);
        if (extended)
        {
            return all;
        }
        var addsAllTraffic = PlanSets.RulesMissing(after.Plan.Requester, before.Plan.Requester)
            .Concat(PlanSets.RulesMissing(after.Plan.Accepter, before.Plan.Accepter))
            .Any(g => g.Permissions.Any(p => p.Protocol == "-1"));
        return addsAllTraffic ? all.Where(a => a.Code == ApprovalCodes.AllTraffic).ToList() : [];
    }

    private static ChangeIntakeOutcome Refused(PeeringChangeRequest request, RequestRecord? record, string code, string message) =>
        Refused(request, record, new Reason(code, message));

    private static ChangeIntakeOutcome Refused(PeeringChangeRequest request, RequestRecord? record, params Reason[] reasons) =>
        new() { Kind = ChangeOutcomeKind.Rejected, Request = request, Record = record, Reasons = reasons };
}
