using System.Text.Json;
using PeeringAutomation.Core.Approvals;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Teardown;

/// <summary>What the teardown workflow's first step decided.</summary>
public sealed record TeardownIntakeOutcome
{
    public IReadOnlyList<TeardownTarget> Targets { get; init; } = [];

    /// <summary>Why a teardown request was refused (empty when accepted).</summary>
    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    /// <summary>What the refused request named, as far as it could be parsed.</summary>
    public TeardownRequest? Request { get; init; }

    /// <summary>The schedule's other duty: requests whose approvals did not come in time.</summary>
    public IReadOnlyList<DecisionOutcome> ExpiredApprovals { get; init; } = [];

    /// <summary>The schedule's third duty: peerings that expire within the notice period (once per expiry).</summary>
    public IReadOnlyList<RequestRecord> ExpiringSoon { get; init; } = [];

    public bool Accepted => Reasons.Count == 0;
}

/// <summary>
/// The first step of teardown: a <c>Peering Teardown Requested</c> event resolves to the one managed
/// peering it names (or a refusal); the schedule's event resolves to every managed peering past its
/// expiry, expires overdue approvals and finds the peerings to warn about their coming expiry.
/// </summary>
public sealed class TeardownIntake(RequestParser parser, TeardownResolver resolver, ApprovalDecider decider, ExpiryNotices notices)
{
    public async Task<TeardownIntakeOutcome> TakeAsync(JsonElement envelope, CancellationToken ct = default)
    {
        if (IsScheduledEvent(envelope))
        {
            var expired = await resolver.ExpiredAsync(ct);
            var overdue = await decider.ExpireOverdueAsync(ct);
            var expiring = await notices.DueAsync(ct);
            return new TeardownIntakeOutcome { Targets = expired.Targets, ExpiredApprovals = overdue, ExpiringSoon = expiring };
        }
        var parsed = parser.ParseTeardownRequested(envelope);
        var resolution = parsed.IsValid
            ? await resolver.ResolveAsync(parsed.Value, EventEnvelope.Of(envelope).Account, ct)
            : new TeardownResolution { Reasons = parsed.Reasons };
        return resolution.Reasons.Count == 0
            ? new TeardownIntakeOutcome { Targets = resolution.Targets }
            : new TeardownIntakeOutcome { Reasons = resolution.Reasons, Request = parsed.Value };
    }

    /// <summary>The expiry schedule's event (EventBridge Scheduler/rule: source <c>aws.events</c>, <c>Scheduled Event</c>).</summary>
    public static bool IsScheduledEvent(JsonElement envelope) =>
        envelope.ValueKind == JsonValueKind.Object
        && envelope.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String
        && source.GetString() == "aws.events"
        && envelope.TryGetProperty("detail-type", out var type) && type.ValueKind == JsonValueKind.String
        && type.GetString() == "Scheduled Event";
}

/// <summary>
/// Removes one managed peering with everything the automation added for it, and records it torn down.
/// What to remove comes from the ledger record, read again here: never from the target alone.
/// </summary>
public sealed class PeeringTeardown(IRequestLedger ledger, Provisioning.PeeringRemover remover, TimeProvider clock)
{
    public async Task<Provisioning.RemovalReport> TearDownAsync(TeardownTarget target, CancellationToken ct = default)
    {
        var record = await ledger.GetAsync(target.RequestId, ct)
            ?? throw new PeeringRequestInvalid($"the ledger has no request {target.RequestId}; nothing is torn down");
        if (record.PeeringId != target.PeeringId)
        {
            throw new PeeringConflict($"request {target.RequestId} recorded peering {record.PeeringId}, not {target.PeeringId}; nothing is torn down");
        }
        var report = await remover.RemoveAsync(record, target.PeeringId, ct);
        await ledger.RecordAsync(record.RequestId, new StatusChange
        {
            Status = LedgerStatus.TornDown, At = LedgerTime.Of(clock.GetUtcNow()),
            Detail = target.Trigger == TeardownResolver.Expired ? $"expired at {target.ExpiresAt}" : $"teardown asked by account {target.AskedBy}",
            ReleasePair = record.Pair,
        }, ct);
        return report;
    }
}
