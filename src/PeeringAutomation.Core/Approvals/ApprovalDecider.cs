using System.Text.Json;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Approvals;

/// <summary>What a <c>Peering Approval Decided</c> event did.</summary>
public enum DecisionResult
{
    /// <summary>Not counted (not an approver, unknown or finished request, duplicate, malformed): reported, nothing changed.</summary>
    Ignored,

    /// <summary>An approval was recorded; others are still needed.</summary>
    Recorded,

    /// <summary>Every approval is in and the request re-validated: provision it now, in this execution.</summary>
    Approved,

    /// <summary>Rejected by an approver, refused at re-validation, or past its deadline: the pair is released.</summary>
    Rejected,
}

/// <summary>The decision's effect, with what the workflow needs to go on.</summary>
public sealed record DecisionOutcome
{
    public required DecisionResult Result { get; init; }

    public string? RequestId { get; init; }

    public RequestRecord? Record { get; init; }

    public PeeringRequest? Request { get; init; }

    public PeeringPlan? Plan { get; init; }

    /// <summary>Why it was rejected or ignored (<c>ApprovalRejected</c>, <c>ApprovalExpired</c>, <c>ApprovalNotAuthorized</c>, …).</summary>
    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    /// <summary>The envelope account that decided.</summary>
    public string? Decider { get; init; }
}

/// <summary>
/// Counts a <c>Peering Approval Decided</c> event (<c>{requestId, decision: "approve" | "reject", comment?}</c>)
/// only from an approver account (the envelope <c>account</c>, which no sender can forge). A platform
/// account's approval covers every trigger. When all approvals are in, the request is validated again
/// against the current state (things change while people think) and handed to the deciding execution;
/// one rejection ends it; past its deadline it expires. Every step goes to the ledger, written with a
/// compare-and-set on <c>AwaitingApproval</c>, so a decision delivered twice, or two at once, has one effect.
/// </summary>
public sealed class ApprovalDecider(
    RequestParser parser, PeeringPlanner planner, SnapshotReader snapshots, IRequestLedger ledger, TimeProvider clock)
{
    public const string DetailType = "Peering Approval Decided";

    public async Task<DecisionOutcome> DecideAsync(JsonElement envelope, string? executionArn, CancellationToken ct = default)
    {
        var decider = EventEnvelope.Of(envelope).Account;
        var (requestId, decision, comment, problem) = Parse(EventEnvelope.DetailOf(envelope));
        if (problem is not null)
        {
            return Ignored(null, decider, ReasonCodes.InvalidRequest, problem);
        }
        var record = await ledger.GetAsync(requestId!.Value, ct);
        if (record is null)
        {
            return Ignored(requestId.Value.Value, decider, "ApprovalNotPending", $"requestId: the ledger has no request {requestId}");
        }
        if (record.Status != LedgerStatus.AwaitingApproval)
        {
            return Ignored(record.RequestId.Value, decider, "ApprovalNotPending",
                $"request {record.RequestId} is {record.Status}, not awaiting approval; the decision changes nothing") with { Record = record };
        }
        var now = clock.GetUtcNow();
        var at = LedgerTime.Of(now);
        if (record.ApprovalDeadline is { } deadline && deadline <= now)
        {
            return await ExpireAsync(record, now, ct);
        }
        var pending = record.Approvals.Where(a => !a.IsGiven).ToList();
        var mine = pending.Where(a => decider is not null && a.Approvers.Contains(decider)).ToList();
        if (mine.Count == 0)
        {
            var reason = new Reason("ApprovalNotAuthorized",
                $"account {decider ?? "(unknown)"} may not decide request {record.RequestId}: approvers are " +
                string.Join("; ", pending.Select(a => $"{a.Code}: {string.Join(", ", a.Approvers)}")));
            await ledger.RecordAsync(record.RequestId, new StatusChange
            {
                Status = LedgerStatus.AwaitingApproval, ExpectedStatus = LedgerStatus.AwaitingApproval, At = at, ExecutionArn = executionArn,
                Detail = reason.ToString(),
            }, ct);
            return new DecisionOutcome { Result = DecisionResult.Ignored, RequestId = record.RequestId.Value, Record = record, Reasons = [reason], Decider = decider };
        }
        if (decision == "reject")
        {
            var rejected = new Reason("ApprovalRejected",
                $"account {decider} rejected request {record.RequestId}" + (comment is null ? "" : $": {comment}"));
            return await EndAsync(record, [rejected], at, executionArn, decider, ct);
        }

        var approvals = record.Approvals.Select(a => mine.Contains(a) ? a with { ApprovedBy = decider, ApprovedAt = at } : a).ToList();
        var note = $"approved by account {decider} ({string.Join(", ", mine.Select(a => a.Code))})" + (comment is null ? "" : $": {comment}");
        if (approvals.Any(a => !a.IsGiven))
        {
            var written = await ledger.RecordAsync(record.RequestId, new StatusChange
            {
                Status = LedgerStatus.AwaitingApproval, ExpectedStatus = LedgerStatus.AwaitingApproval, At = at, ExecutionArn = executionArn,
                Approvals = approvals, Detail = note,
            }, ct);
            return new DecisionOutcome
            {
                Result = written ? DecisionResult.Recorded : DecisionResult.Ignored, RequestId = record.RequestId.Value,
                Record = record with { Approvals = approvals }, Decider = decider,
            };
        }

        // All approvals are in: validate again against what AWS looks like now.
        var request = ParseRequest(record);
        var validation = planner.Plan(request,
            await snapshots.ReadAsync(request.Requester, ct), await snapshots.ReadAsync(request.Accepter, ct));
        if (!validation.IsAccepted)
        {
            return await EndAsync(record, validation.Reasons, at, executionArn, decider, ct) with { Request = request };
        }
        var taken = await ledger.RecordAsync(record.RequestId, new StatusChange
        {
            Status = LedgerStatus.Provisioning, ExpectedStatus = LedgerStatus.AwaitingApproval, At = at, ExecutionArn = executionArn,
            NewOwner = executionArn, Approvals = approvals, Plan = validation.Plan, Detail = note + "; re-validated",
        }, ct);
        return taken
            ? new DecisionOutcome
            {
                Result = DecisionResult.Approved, RequestId = record.RequestId.Value, Record = record, Request = request,
                Plan = validation.Plan, Decider = decider,
            }
            : Ignored(record.RequestId.Value, decider, "ApprovalNotPending", $"request {record.RequestId} was decided by another decision meanwhile");
    }

    /// <summary>The scheduled sweep's part: every request still awaiting approval past its deadline expires, its pair released.</summary>
    public async Task<IReadOnlyList<DecisionOutcome>> ExpireOverdueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var expired = new List<DecisionOutcome>();
        foreach (var record in await ledger.ApprovalsPastDeadlineAsync(now, ct))
        {
            var outcome = await ExpireAsync(record, now, ct);
            if (outcome.Result == DecisionResult.Rejected)
            {
                expired.Add(outcome);
            }
        }
        return expired;
    }

    /// <summary>Expires a request whose approvals did not come in time (the decision path and the scheduled sweep).</summary>
    public async Task<DecisionOutcome> ExpireAsync(RequestRecord record, DateTimeOffset now, CancellationToken ct = default)
    {
        var expired = new Reason("ApprovalExpired",
            $"request {record.RequestId} was not approved by its deadline {LedgerTime.Of(record.ApprovalDeadline ?? now)}; ask again with a new request id");
        return await EndAsync(record, [expired], LedgerTime.Of(now), null, null, ct);
    }

    private async Task<DecisionOutcome> EndAsync(
        RequestRecord record, IReadOnlyList<Reason> reasons, string at, string? executionArn, string? decider, CancellationToken ct)
    {
        var written = await ledger.RecordAsync(record.RequestId, new StatusChange
        {
            Status = LedgerStatus.Rejected, ExpectedStatus = LedgerStatus.AwaitingApproval, At = at, ExecutionArn = executionArn,
            Reasons = reasons, ReleasePair = record.Pair, Detail = string.Join("; ", reasons),
        }, ct);
        return written
            ? new DecisionOutcome { Result = DecisionResult.Rejected, RequestId = record.RequestId.Value, Record = record, Reasons = reasons, Decider = decider }
            : Ignored(record.RequestId.Value, decider, "ApprovalNotPending", $"request {record.RequestId} was decided by another decision meanwhile");
    }

    private PeeringRequest ParseRequest(RequestRecord record)
    {
        using var detail = JsonDocument.Parse(record.Detail ?? "{}");
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("source", RequestParser.EventSource);
            writer.WriteString("detail-type", RequestParser.PeeringRequestedDetailType);
            writer.WriteString("id", record.Asker.EventId ?? record.RequestId.Value);
            writer.WritePropertyName("detail");
            detail.RootElement.WriteTo(writer);
            writer.WriteEndObject();
        }
        using var envelope = JsonDocument.Parse(buffer.ToArray());
        var parsed = parser.ParsePeeringRequested(envelope.RootElement);
        return parsed.IsValid
            ? parsed.Value
            : throw new PeeringRequestInvalid($"request {record.RequestId} no longer parses: {string.Join("; ", parsed.Reasons)}");
    }

    private static DecisionOutcome Ignored(string? requestId, string? decider, string code, string message) =>
        new() { Result = DecisionResult.Ignored, RequestId = requestId, Reasons = [new Reason(code, message)], Decider = decider };

    private static (RequestId? Id, string? Decision, string? Comment, string? Problem) Parse(JsonElement detail)
    {
        if (detail.ValueKind != JsonValueKind.Object)
        {
            return (null, null, null, "detail: must be an object {requestId, decision, comment?}");
        }
        var unknown = detail.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not ("requestId" or "decision" or "comment"));
        if (unknown is not null)
        {
            return (null, null, null, $"{unknown}: unknown field (expected requestId, decision, comment)");
        }
        var id = detail.TryGetProperty("requestId", out var idValue) && idValue.ValueKind == JsonValueKind.String
                 && Identifier.TryParse<RequestId>(idValue.GetString(), out var parsed, out _) ? parsed : null;
        if (id is null)
        {
            return (null, null, null, "requestId: required, 1-64 of [A-Za-z0-9._-]");
        }
        var decision = detail.TryGetProperty("decision", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (decision is not ("approve" or "reject"))
        {
            return (id, null, null, "decision: must be \"approve\" or \"reject\"");
        }
        string? comment = null;
        if (detail.TryGetProperty("comment", out var c))
        {
            if (c.ValueKind != JsonValueKind.String || c.GetString()!.Length > 1000)
            {
                return (id, null, null, "comment: must be text of at most 1000 characters");
            }
            comment = c.GetString();
        }
        return (id, decision, comment, null);
    }
}
