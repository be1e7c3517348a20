using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Core.Ledger;

/// <summary>How a delivery of a request relates to the ledger.</summary>
public enum ClaimVerdict
{
    /// <summary>First delivery: this execution owns the request and its pair.</summary>
    Owned,

    /// <summary>This execution claimed it before (a retried step): carry on from the record.</summary>
    OwnedBefore,

    /// <summary>Another delivery of the same request: do nothing.</summary>
    Duplicate,

    /// <summary>The request id was used for other content.</summary>
    RequestIdReused,

    /// <summary>A live request of another id holds the pair.</summary>
    PairHeld,
}

/// <summary>The verdict with the record that decided it (the existing one, or ours), the lock in the way and its holder's record.</summary>
public sealed record ClaimDecision(ClaimVerdict Verdict, RequestRecord Record, PairLock? Lock = null, RequestRecord? Holder = null);

/// <summary>
/// Claims a request in the ledger: one conditional transaction writes the record and the pair lock.
/// A lock whose owner is terminal, unknown, past its approval deadline, or whose peering no longer
/// exists in EC2 is taken over,
/// so an execution that died uncatchably or a peering deleted by hand never blocks a pair for ever.
/// </summary>
public sealed class RequestClaimer(IRequestLedger ledger, IEc2GatewayFactory gateways, TimeProvider clock)
{
    private const int Attempts = 3;

    public async Task<ClaimDecision> ClaimAsync(RequestRecord record, CancellationToken ct = default)
    {
        var outcome = await ledger.ClaimAsync(record, ct);
        for (var attempt = 1; ; attempt++)
        {
            switch (outcome.Result)
            {
                case ClaimResult.Claimed:
                    return new ClaimDecision(ClaimVerdict.Owned, record);
                case ClaimResult.RequestExists:
                    return Existing(record, outcome.Existing!);
            }
            var held = outcome.Lock!;
            var holder = await ledger.GetAsync(held.Owner, ct);
            if (attempt >= Attempts || !await IsStaleAsync(holder, ct))
            {
                return new ClaimDecision(ClaimVerdict.PairHeld, record, held, holder);
            }
            outcome = await ledger.TakeOverAsync(record, held, ct);
        }
    }

    private static ClaimDecision Existing(RequestRecord ours, RequestRecord existing)
    {
        if (existing.Fingerprint != ours.Fingerprint)
        {
            return new ClaimDecision(ClaimVerdict.RequestIdReused, existing);
        }
        return existing.ExecutionArn is not null && existing.ExecutionArn == ours.ExecutionArn
            ? new ClaimDecision(ClaimVerdict.OwnedBefore, existing)
            : new ClaimDecision(ClaimVerdict.Duplicate, existing);
    }

    private async Task<bool> IsStaleAsync(RequestRecord? owner, CancellationToken ct)
    {
        if (owner is null || !owner.IsLive)
        {
            return true;
        }
        if (owner.Status == LedgerStatus.AwaitingApproval && owner.ApprovalDeadline is { } deadline && deadline <= clock.GetUtcNow())
        {
            // Nobody decided in time: the pair is free even before the sweep marks the request expired.
            return true;
        }
        if (owner.PeeringId is not { } peeringId)
        {
            return false;
        }
        var gateway = await gateways.ForAsync(owner.Requester.Scope, ct);
        var peering = await gateway.DescribePeeringConnectionAsync(peeringId, ct);
        return peering is null || !PeeringStatus.IsLive(peering.Status);
    }
}
