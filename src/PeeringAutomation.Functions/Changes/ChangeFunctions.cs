using System.Text.Json;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Approvals;
using PeeringAutomation.Functions.Hosting;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Changes;

/// <summary>Detail of <c>Peering Changed</c>: what was added and removed per side, DNS and expiry from → to.</summary>
public sealed record ChangedEvent
{
    public required string RequestId { get; init; }

    public required string ChangeId { get; init; }

    public string? VpcPeeringConnectionId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    /// <summary>The request's version after the change (unchanged for an empty diff).</summary>
    public required int Version { get; init; }

    /// <summary>The asking (envelope) account.</summary>
    public required string Account { get; init; }

    public string? RequestedBy { get; init; }

    public required SidesChanges Added { get; init; }

    public required SidesChanges Removed { get; init; }

    public ValueChange? AllowDnsResolution { get; init; }

    public ValueChange? ExpiresAt { get; init; }

    public static ChangedEvent From(RequestRecord record, ChangeRecord change) => new()
    {
        RequestId = record.RequestId.Value,
        ChangeId = change.ChangeId.Value,
        VpcPeeringConnectionId = record.PeeringId?.Value,
        Requester = SideRef.From(record.Requester),
        Accepter = SideRef.From(record.Accepter),
        Version = change.Version,
        Account = change.Asker.Account,
        RequestedBy = change.Asker.RequestedBy,
        Added = change.Diff.Added,
        Removed = change.Diff.Removed,
        AllowDnsResolution = change.Diff.AllowDnsResolution,
        ExpiresAt = change.Diff.ExpiresAt,
    };
}

/// <summary>Detail of <c>Peering Change Rejected</c> (refused, or rolled back after a failure).</summary>
public sealed record ChangeRejectedEvent
{
    public string? RequestId { get; init; }

    public string? ChangeId { get; init; }

    public string? VpcPeeringConnectionId { get; init; }

    public SideRef? Requester { get; init; }

    public SideRef? Accepter { get; init; }

    public string? Account { get; init; }

    public string? RequestedBy { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }
}

/// <summary>The change awaiting approval: a <c>Peering Approval Requested</c> detail with the change's diff.</summary>
public sealed record ChangeApprovalRequestedEvent
{
    public required string RequestId { get; init; }

    public required string ChangeId { get; init; }

    public string? VpcPeeringConnectionId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    public required string Account { get; init; }

    public string? RequestedBy { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }

    public required IReadOnlyList<ApproverGroup> Approvers { get; init; }

    /// <summary>What the change would do.</summary>
    public required ChangeDiff Change { get; init; }

    public string? Deadline { get; init; }

    /// <summary>A ready command that approves (run it with an approver account's credentials; "reject" to refuse).</summary>
    public required string ApproveCommand { get; init; }
}

/// <summary>A decision on a change that changed nothing, or recorded one approval of several (alerted when not counted).</summary>
public sealed record ChangeDecisionNotedEvent
{
    public string? RequestId { get; init; }

    public string? ChangeId { get; init; }

    /// <summary><c>ignored</c> or <c>recorded</c>.</summary>
    public required string Result { get; init; }

    public string? Decider { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }

    public IReadOnlyList<ApproverGroup> Pending { get; init; } = [];
}

/// <summary>Output of the first step of ChangePeering: where the change goes, and the event detail for it.</summary>
public sealed record ChangeIntakeResult
{
    /// <summary><c>apply</c>, <c>unchanged</c>, <c>approval</c>, <c>rejected</c> or <c>duplicate</c>.</summary>
    public required string Outcome { get; init; }

    public string? RequestId { get; init; }

    public string? ChangeId { get; init; }

    /// <summary>For <c>unchanged</c>: the <c>Peering Changed</c> detail with an empty diff.</summary>
    public ChangedEvent? Changed { get; init; }

    public ChangeRejectedEvent? Rejected { get; init; }

    public ChangeApprovalRequestedEvent? ApprovalRequested { get; init; }

    /// <summary>For a decision that was not counted, or not the last one needed.</summary>
    public ChangeDecisionNotedEvent? DecisionNoted { get; init; }

    /// <summary>The step's answer in the form the state machine routes on.</summary>
    public static ChangeIntakeResult From(ChangeIntakeOutcome outcome, JsonElement envelope, FunctionSettings settings) => new()
    {
        Outcome = outcome.Kind,
        RequestId = outcome.Request?.RequestId.Value ?? outcome.Change?.RequestId.Value,
        ChangeId = outcome.Request?.ChangeId.Value ?? outcome.Change?.ChangeId.Value,
        Changed = outcome.Kind == ChangeOutcomeKind.Unchanged ? ChangedEvent.From(outcome.Record!, outcome.Change!) : null,
        Rejected = outcome.Kind == ChangeOutcomeKind.Rejected ? Rejection(outcome, envelope) : null,
        ApprovalRequested = outcome.Kind == ChangeOutcomeKind.AwaitingApproval ? Approval(outcome.Record!, outcome.Change!, settings) : null,
        DecisionNoted = outcome.Kind is ChangeOutcomeKind.Recorded or ChangeOutcomeKind.Ignored
            ? new ChangeDecisionNotedEvent
            {
                RequestId = outcome.Change?.RequestId.Value,
                ChangeId = outcome.Change?.ChangeId.Value,
                Result = outcome.Kind,
                Decider = outcome.Decider,
                Reasons = outcome.Reasons,
                Pending = outcome.Change?.Approvals.Where(a => !a.IsGiven).Select(a => new ApproverGroup(a.Code, a.Reason, a.Approvers, null)).ToList() ?? [],
            }
            : null,
    };

    private static ChangeRejectedEvent Rejection(ChangeIntakeOutcome outcome, JsonElement envelope) => new()
    {
        RequestId = outcome.Request?.RequestId.Value ?? outcome.Change?.RequestId.Value,
        ChangeId = outcome.Request?.ChangeId.Value ?? outcome.Change?.ChangeId.Value,
        VpcPeeringConnectionId = outcome.Record?.PeeringId?.Value,
        Requester = outcome.Record is { } r ? SideRef.From(r.Requester) : null,
        Accepter = outcome.Record is { } a ? SideRef.From(a.Accepter) : null,
        Account = outcome.Change?.Asker.Account ?? EventEnvelope.Of(envelope).Account,
        RequestedBy = outcome.Request?.RequestedBy,
        Reasons = outcome.Reasons,
    };

    private static ChangeApprovalRequestedEvent Approval(RequestRecord record, ChangeRecord change, FunctionSettings settings)
    {
        var bus = $"arn:aws:events:{settings.HomeRegion}:{settings.Aws.HubAccount}:event-bus/{settings.EventBusName}";
        var decision = $"{{\\\"requestId\\\": \\\"{record.RequestId}\\\", \\\"changeId\\\": \\\"{change.ChangeId}\\\", \\\"decision\\\": \\\"approve\\\"}}";
        return new ChangeApprovalRequestedEvent
        {
            RequestId = record.RequestId.Value,
            ChangeId = change.ChangeId.Value,
            VpcPeeringConnectionId = record.PeeringId?.Value,
            Requester = SideRef.From(record.Requester),
            Accepter = SideRef.From(record.Accepter),
            Account = change.Asker.Account,
            RequestedBy = change.Asker.RequestedBy,
            Reasons = change.Approvals.Select(a => new Reason(a.Code, a.Reason)).ToList(),
            Approvers = change.Approvals.Select(a => new ApproverGroup(a.Code, a.Reason, a.Approvers, a.ApprovedBy)).ToList(),
            Change = change.Diff,
            Deadline = change.ApprovalDeadline is { } deadline ? LedgerTime.Of(deadline) : null,
            ApproveCommand = "aws events put-events --entries '[{\"EventBusName\": \"" + bus +
                             "\", \"Source\": \"vpc-peering\", \"DetailType\": \"Peering Approval Decided\", \"Detail\": \"" + decision + "\"}]'",
        };
    }
}

/// <summary>Input of the apply and rollback steps: which change (the ledger has the rest).</summary>
public sealed record ChangeStepInput
{
    public required string RequestId { get; init; }

    public required string ChangeId { get; init; }

    /// <summary>For the rollback: the error the apply failed with (Step Functions' Catch output).</summary>
    public JsonElement? Error { get; init; }
}

/// <summary>
/// First step of ChangePeering: parse, authorise, validate and diff a <c>Peering Change Requested</c>
/// event, and begin it in the ledger (<see cref="ChangeIntake"/>). A refusal, a duplicate or a change
/// that changes nothing is a normal result; another change of the same peering in progress is
/// <see cref="ChangeInProgress"/>, which the state machine retries.
/// </summary>
public sealed class TakeChangeFunction(Services? services)
{
    private const string Step = "TakeChange";

    public TakeChangeFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var document = await EventJson.ParseAsync(input);
        var (envelope, executionArn) = IntakeInput.Of(document.RootElement);
        var outcome = await Services.ChangeIntake.TakeAsync(envelope, executionArn, CancellationToken.None);
        var log = new StructuredLog(Step) { RequestId = outcome.Request?.RequestId.Value, PeeringId = outcome.Record?.PeeringId?.Value };
        var result = ChangeIntakeResult.From(outcome, envelope, Services.Settings);
        log.Info("change taken", ("outcome", outcome.Kind), ("changeId", result.ChangeId));
        if (outcome.Kind == ChangeOutcomeKind.Rejected)
        {
            log.Count("ChangesRejected");
        }
        return await FunctionJson.SerializeAsync(result, PeeringJsonContext.Default.ChangeIntakeResult);
    }
}

/// <summary>
/// The decision step of ChangePeering: counts a <c>Peering Approval Decided</c> event that names a
/// <c>changeId</c> (<see cref="ChangeIntake.DecideAsync"/>); when the last approval is in, the change is
/// computed again and begun, and the state machine applies it as any other.
/// </summary>
public sealed class DecideChangeFunction(Services? services)
{
    private const string Step = "DecideChange";

    public DecideChangeFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var document = await EventJson.ParseAsync(input);
        var (envelope, executionArn) = IntakeInput.Of(document.RootElement);
        var outcome = await Services.ChangeIntake.DecideAsync(envelope, executionArn, CancellationToken.None);
        var log = new StructuredLog(Step) { RequestId = outcome.Change?.RequestId.Value, PeeringId = outcome.Record?.PeeringId?.Value };
        log.Info("change decision counted", ("outcome", outcome.Kind), ("decider", outcome.Decider));
        return await FunctionJson.SerializeAsync(ChangeIntakeResult.From(outcome, envelope, Services.Settings), PeeringJsonContext.Default.ChangeIntakeResult);
    }
}

/// <summary>
/// Applies a begun change (<see cref="ChangeApplier"/>: add first, then remove, then DNS and the expiry tag), then
/// records it applied: the request takes the new state and version. What to do is read from the ledger, never from
/// the input alone. Safe to repeat.
/// </summary>
public sealed class ApplyChangeFunction(Services? services)
{
    private const string Step = "ApplyChange";

    public ApplyChangeFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var step = await JsonSerializer.DeserializeAsync(input, PeeringJsonContext.Default.ChangeStepInput)
            ?? throw new PeeringRequestInvalid("the change step input is empty");
        var (record, change) = await Services.ChangeSteps.ApplyAsync(RequestId.Parse(step.RequestId), RequestId.Parse(step.ChangeId));
        var log = new StructuredLog(Step) { RequestId = record.RequestId.Value, PeeringId = record.PeeringId?.Value };
        log.Info("change applied", ("changeId", change.ChangeId.Value), ("version", change.Version));
        log.Count("PeeringsChanged");
        return await FunctionJson.SerializeAsync(new OutcomeResult<ChangedEvent>(ChangedEvent.From(record, change)),
            PeeringJsonContext.Default.OutcomeResultChangedEvent);
    }
}

/// <summary>
/// Restores exactly the state before a change whose apply failed (the same move backwards: what the
/// change removed is added back first, then what it added is removed, DNS and the expiry tag reset),
/// records it rolled back (the request keeps its version and is free for the next change), and reports
/// <c>Peering Change Rejected</c> with <c>ChangeRolledBack</c> and the error. A change the ledger already
/// records as applied (the apply's answer was lost after it finished) is not undone: the result says
/// <c>alreadyApplied</c> and carries the <c>Peering Changed</c> detail instead.
/// </summary>
public sealed class RollbackChangeFunction(Services? services)
{
    private const string Step = "RollbackChange";

    public RollbackChangeFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var step = await JsonSerializer.DeserializeAsync(input, PeeringJsonContext.Default.ChangeStepInput)
            ?? throw new PeeringRequestInvalid("the change step input is empty");
        var (record, change) = await Services.ChangeSteps.RollbackAsync(RequestId.Parse(step.RequestId), RequestId.Parse(step.ChangeId));
        var log = new StructuredLog(Step) { RequestId = record.RequestId.Value, PeeringId = record.PeeringId?.Value };
        if (change.Status == ChangeStatus.Applied)
        {
            return await AppliedAfterAllAsync(log, record, change);
        }
        log.Warn("change rolled back", ("changeId", change.ChangeId.Value));
        log.Count("ChangesRolledBack");
        return await FunctionJson.SerializeAsync(new ChangeRollbackResult<ChangeRejectedEvent>(false, RolledBack(record, change, step.Error)),
            PeeringJsonContext.Default.ChangeRollbackResultChangeRejectedEvent);
    }

    /// <summary>The apply finished and recorded it; only its answer was lost: the change stands, reported as changed.</summary>
    private static async Task<Stream> AppliedAfterAllAsync(StructuredLog log, RequestRecord record, ChangeRecord change)
    {
        log.Warn("change was applied after all", ("changeId", change.ChangeId.Value));
        return await FunctionJson.SerializeAsync(new ChangeRollbackResult<ChangedEvent>(true, ChangedEvent.From(record, change)),
            PeeringJsonContext.Default.ChangeRollbackResultChangedEvent);
    }

    private static ChangeRejectedEvent RolledBack(RequestRecord record, ChangeRecord change, JsonElement? failure)
    {
        var error = failure is { ValueKind: JsonValueKind.Object } e ? e.GetRawText() : "unknown error";
        return new ChangeRejectedEvent
        {
            RequestId = record.RequestId.Value,
            ChangeId = change.ChangeId.Value,
            VpcPeeringConnectionId = record.PeeringId?.Value,
            Requester = SideRef.From(record.Requester),
            Accepter = SideRef.From(record.Accepter),
            Account = change.Asker.Account,
            RequestedBy = change.Asker.RequestedBy,
            Reasons = [new Reason(ReasonCodes.ChangeRolledBack,
                $"change {change.ChangeId} failed while it was applied and was rolled back to version {change.Version - 1}: {Truncate(error)}")],
        };
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000] + "…";
}

/// <summary>What the rollback step answers: whether the change had been applied after all, and the event detail to emit.</summary>
public sealed record ChangeRollbackResult<T>(bool AlreadyApplied, T Outcome);
