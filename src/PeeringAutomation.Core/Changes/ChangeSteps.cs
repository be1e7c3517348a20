using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Changes;

/// <summary>
/// The apply and rollback steps of a begun change. What to do is read from the ledger, never from
/// the step's input alone; both are safe to repeat.
/// </summary>
public sealed class ChangeSteps(IRequestLedger ledger, ChangeApplier applier, TimeProvider clock)
{
    /// <summary>Applies the change (add first, then remove, then DNS and the expiry tag) and records it applied.</summary>
    public async Task<(RequestRecord Record, ChangeRecord Change)> ApplyAsync(RequestId requestId, RequestId changeId, CancellationToken ct = default)
    {
        var (record, change) = await ReadAsync(requestId, changeId, ct);
        await applier.MoveAsync(record, change.Before, change.After, ct);
        await ledger.FinishChangeAsync(change, applied: true, LedgerTime.Of(clock.GetUtcNow()), ct);
        return (record, change);
    }

    /// <summary>
    /// Restores exactly the state before a change whose apply failed and records it rolled back. A change the
    /// ledger already records as <see cref="ChangeStatus.Applied"/> (the apply's answer was lost after it
    /// finished) is returned untouched: undoing it now could undo later changes too.
    /// </summary>
    public async Task<(RequestRecord Record, ChangeRecord Change)> RollbackAsync(RequestId requestId, RequestId changeId, CancellationToken ct = default)
    {
        var (record, change) = await ReadAsync(requestId, changeId, ct);
        if (change.Status == ChangeStatus.Applying)
        {
            await applier.MoveAsync(record, change.After, change.Before, ct);
            await ledger.FinishChangeAsync(change, applied: false, LedgerTime.Of(clock.GetUtcNow()), ct);
        }
        return (record, change);
    }

    private async Task<(RequestRecord Record, ChangeRecord Change)> ReadAsync(RequestId requestId, RequestId changeId, CancellationToken ct)
    {
        var record = await ledger.GetAsync(requestId, ct)
            ?? throw new PeeringRequestInvalid($"the ledger has no request {requestId}");
        var change = await ledger.GetChangeAsync(requestId, changeId, ct)
            ?? throw new PeeringRequestInvalid($"the ledger has no change {changeId} of request {requestId}");
        return (record, change);
    }
}
