using System.Text.Json;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>What the intake decided about one delivery of a <c>Peering Requested</c> event.</summary>
public sealed record IntakeOutcome
{
    /// <summary>Another delivery of a request already in the ledger: the execution ends doing nothing.</summary>
    public bool Duplicate { get; init; }

    /// <summary>The request id, as far as it could be read (for the duplicate output and the rejection).</summary>
    public string? RequestId { get; init; }

    /// <summary>Null when the event could not be parsed.</summary>
    public PeeringRequest? Request { get; init; }

    /// <summary>Set when the request is accepted and claimed: provision it.</summary>
    public PeeringPlan? Plan { get; init; }

    /// <summary>Why it was refused (empty when accepted or a duplicate).</summary>
    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    /// <summary>Set when the request is valid but waits for approvals (recorded <c>AwaitingApproval</c>).</summary>
    public RequestRecord? AwaitingApproval { get; init; }

    public bool IsAccepted => Plan is not null && !Duplicate && Reasons.Count == 0 && AwaitingApproval is null;
}

/// <summary>
/// The first step of provisioning: parse, claim the request and its VPC pair in the ledger, check
/// who asked (the envelope account), check scope, read both sides and validate; then a valid request
/// that needs approvals (no accepter consent, a VPC marked approval=required, …) waits for them,
/// holding its pair. A request that would be refused anyway is refused, never sent for approval. Every outcome is written to the ledger with the asker:
/// <c>Provisioning</c> with the plan, or <c>Rejected</c> with the reasons (and the pair released).
/// A second delivery of the same request is a duplicate and changes nothing.
/// </summary>
public sealed class RequestIntake(
    RequestParser parser,
    PeeringPlanner planner,
    SnapshotReader snapshots,
    RequestClaimer claimer,
    RequestAuthorizer authorizer,
    Approvals.ApprovalTriggers approvals,
    IRequestLedger ledger,
    PeeringPolicy policy,
    TimeProvider clock)
{
    public async Task<IntakeOutcome> TakeAsync(JsonElement envelope, string? executionArn, CancellationToken ct = default)
    {
        var parsed = parser.ParsePeeringRequested(envelope);
        if (!parsed.IsValid)
        {
            // Nothing reliable to key a record by: refused before the ledger.
            return new IntakeOutcome { Reasons = parsed.Reasons };
        }
        var request = parsed.Value;
        var envelopeParts = EventEnvelope.Of(envelope);
        var now = LedgerTime.Of(clock.GetUtcNow());
        var record = new RequestRecord
        {
            RequestId = request.RequestId,
            Requester = request.Requester.Info,
            Accepter = request.Accepter.Info,
            Asker = new RequestAsker
            {
                Account = envelopeParts.Account ?? "unknown",
                RequestedBy = request.RequestedBy,
                EventId = envelopeParts.Id,
                EventTime = envelopeParts.Time,
            },
            Fingerprint = RequestFingerprint.Of(EventEnvelope.DetailOf(envelope), envelopeParts.Account ?? ""),
            Detail = EventEnvelope.DetailOf(envelope).GetRawText(),
            Status = LedgerStatus.Requested,
            ExecutionArn = executionArn,
            AllowDnsResolution = request.AllowDnsResolution,
            ExpiresAt = request.ExpiresAt,
            History = [new HistoryEntry(LedgerStatus.Requested, now, executionArn, $"asked by account {envelopeParts.Account}")],
        };

        var claim = await claimer.ClaimAsync(record, ct);
        switch (claim.Verdict)
        {
            case ClaimVerdict.Duplicate:
                return new IntakeOutcome { Duplicate = true, RequestId = request.RequestId.Value, Request = request };
            case ClaimVerdict.RequestIdReused:
                // The id belongs to another request: refuse without touching its record.
                return Refused(request, new Reason(ReasonCodes.RequestIdReused,
                    $"requestId: {request.RequestId} was already used for a different request (status {claim.Record.Status}); " +
                    "use a new request id"));
            case ClaimVerdict.PairHeld:
                var held = claim.Lock!;
                var peering = claim.Holder?.PeeringId is { } pcx ? $"peering {pcx}, " : "";
                var reason = new Reason(ReasonCodes.DuplicatePeering,
                    $"VPCs {held.Pair.First} and {held.Pair.Second} are already being peered by request {held.Owner} " +
                    $"({peering}{claim.Holder?.Status ?? "status unknown"} since {held.Since}); AWS allows one peering per VPC pair");
                await ledger.PutAsync(record with
                {
                    Status = LedgerStatus.Rejected,
                    Reasons = [reason],
                    History = [.. record.History, new HistoryEntry(LedgerStatus.Rejected, now, executionArn, reason.ToString())],
                }, ct);
                return Refused(request, reason);
            case ClaimVerdict.OwnedBefore when claim.Record.Status == LedgerStatus.Provisioning && claim.Record.Plan is { } plan:
                return new IntakeOutcome { RequestId = request.RequestId.Value, Request = request, Plan = plan };
            case ClaimVerdict.OwnedBefore when claim.Record.Status == LedgerStatus.Rejected:
                return Refused(request, [.. claim.Record.Reasons]);
            case ClaimVerdict.OwnedBefore when claim.Record.Status == LedgerStatus.AwaitingApproval:
                return new IntakeOutcome { RequestId = request.RequestId.Value, Request = request, Plan = claim.Record.Plan, AwaitingApproval = claim.Record };
        }

        // Who asked first: nothing is read from accounts for an asker who may not ask.
        var reasons = authorizer.AuthorizeRequest(request, envelopeParts.Account);
        if (reasons.Count == 0)
        {
            reasons = planner.CheckScope(request);
        }
        PlanningOutcome? validation = null;
        IReadOnlyList<RequiredApproval> needed = [];
        if (reasons.Count == 0)
        {
            var requester = snapshots.ReadAsync(request.Requester, ct);
            var accepter = snapshots.ReadAsync(request.Accepter, ct);
            var (requesterSnapshot, accepterSnapshot) = (await requester, await accepter);
            validation = planner.PlanInScope(request, requesterSnapshot, accepterSnapshot);
            reasons = validation.Reasons;
            if (validation.IsAccepted)
            {
                needed = approvals.For(request, requesterSnapshot.Vpc!, accepterSnapshot.Vpc!, envelopeParts.Account);
            }
        }
        if (validation is not { IsAccepted: true } || reasons.Count > 0)
        {
            await ledger.RecordAsync(request.RequestId, new StatusChange
            {
                Status = LedgerStatus.Rejected, At = now, ExecutionArn = executionArn,
                Detail = string.Join("; ", reasons.Select(r => r.Code).Distinct()), Reasons = reasons, ReleasePair = record.Pair,
            }, ct);
            return Refused(request, [.. reasons]);
        }
        if (needed.Count > 0)
        {
            var deadline = clock.GetUtcNow() + policy.ApprovalTimeout;
            await ledger.RecordAsync(request.RequestId, new StatusChange
            {
                Status = LedgerStatus.AwaitingApproval, At = now, ExecutionArn = executionArn, Plan = validation.Plan,
                Approvals = needed, ApprovalDeadline = deadline, Detail = "approval needed: " + string.Join(", ", needed.Select(a => a.Code)),
            }, ct);
            var waiting = record with { Status = LedgerStatus.AwaitingApproval, Plan = validation.Plan, Approvals = needed, ApprovalDeadline = deadline };
            return new IntakeOutcome { RequestId = request.RequestId.Value, Request = request, Plan = validation.Plan, AwaitingApproval = waiting };
        }
        await ledger.RecordAsync(request.RequestId, new StatusChange
        {
            Status = LedgerStatus.Provisioning, At = now, ExecutionArn = executionArn, Plan = validation.Plan, Detail = "validated",
        }, ct);
        return new IntakeOutcome { RequestId = request.RequestId.Value, Request = request, Plan = validation.Plan };
    }

    private static IntakeOutcome Refused(PeeringRequest request, params Reason[] reasons) =>
        new() { RequestId = request.RequestId.Value, Request = request, Reasons = reasons };
}
