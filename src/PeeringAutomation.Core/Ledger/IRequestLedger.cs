using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Ledger;

/// <summary>What a claim found.</summary>
public enum ClaimResult
{
    /// <summary>The record and the pair lock were written together.</summary>
    Claimed,

    /// <summary>A record with this request id exists already (nothing was written).</summary>
    RequestExists,

    /// <summary>Another request holds the pair (nothing was written).</summary>
    PairLocked,
}

/// <summary>The answer to a claim: what happened and what stood in the way.</summary>
public sealed record ClaimOutcome(ClaimResult Result, RequestRecord? Existing = null, PairLock? Lock = null);

/// <summary>
/// The request ledger (a DynamoDB table in the hub): one record per request id and one lock per VPC
/// pair, written with conditions so that duplicate deliveries and concurrent requests decide by
/// compare-and-set, which EC2 lacks. Every write is safe to repeat.
/// </summary>
public interface IRequestLedger
{
    /// <summary>Writes a new record and its pair lock in one transaction; neither when either exists.</summary>
    Task<ClaimOutcome> ClaimAsync(RequestRecord record, CancellationToken ct = default);

    /// <summary>Writes a new record and replaces <paramref name="stale"/> (only if it is still held as read) in one transaction.</summary>
    Task<ClaimOutcome> TakeOverAsync(RequestRecord record, PairLock stale, CancellationToken ct = default);

    /// <summary>
    /// Writes a record that holds no lock (a refusal, or an auto-accepted peering), indexed by its peering
    /// id when it has one; false when the id exists.
    /// </summary>
    Task<bool> PutAsync(RequestRecord record, CancellationToken ct = default);

    Task<RequestRecord?> GetAsync(RequestId id, CancellationToken ct = default);

    Task<PairLock?> GetPairLockAsync(VpcPair pair, CancellationToken ct = default);

    /// <summary>
    /// Moves a request to a status with a history entry (and the plan, reasons, lock release the change
    /// carries). A request already in that status is left as it is, so a retried step writes once;
    /// with <see cref="StatusChange.ExpectedStatus"/> it is written only from that status.
    /// </summary>
    /// <returns>True when the change was written.</returns>
    Task<bool> RecordAsync(RequestId id, StatusChange change, CancellationToken ct = default);

    /// <summary>Records the peering the request created (and indexes it by peering id); repeating it is harmless.</summary>
    Task RecordPeeringAsync(RequestId id, PeeringConnectionId peering, CancellationToken ct = default);

    /// <summary>The record of the request that made or accepted this peering, or null when the ledger does not know it.</summary>
    Task<RequestRecord?> FindByPeeringAsync(PeeringConnectionId peering, CancellationToken ct = default);

    /// <summary>Which of these peerings the ledger knows, with the request that made or accepted each (batched reads).</summary>
    Task<IReadOnlyDictionary<PeeringConnectionId, RequestId>> KnownPeeringsAsync(
        IReadOnlyCollection<PeeringConnectionId> peerings, CancellationToken ct = default);

    /// <summary>Requests still awaiting approval whose deadline is at or before <paramref name="now"/> (the status index).</summary>
    Task<IReadOnlyList<RequestRecord>> ApprovalsPastDeadlineAsync(DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Live requests whose <c>expiresAt</c> is at or before <paramref name="now"/> (the expiry index, not an EC2 scan).</summary>
    Task<IReadOnlyList<RequestRecord>> ExpiredAsync(DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Every request whose status is one of <paramref name="statuses"/> (the operator's mesh view: live
    /// requests and recent failures). A paginated, filtered read of the whole table: for dashboards and
    /// reports, never for a workflow decision.
    /// </summary>
    Task<IReadOnlyList<RequestRecord>> ListByStatusAsync(IReadOnlyCollection<string> statuses, CancellationToken ct = default);

    /// <summary>A change of a request's peering, or null when the ledger has none with that id.</summary>
    Task<ChangeRecord?> GetChangeAsync(RequestId requestId, RequestId changeId, CancellationToken ct = default);

    /// <summary>Writes a change that needs no apply (nothing to change, or waiting for approval); false when the id exists.</summary>
    Task<bool> PutChangeAsync(ChangeRecord change, CancellationToken ct = default);

    /// <summary>Replaces a change only while it is in <paramref name="expectedStatus"/> (approvals recorded, a rejection); false otherwise.</summary>
    Task<bool> UpdateChangeAsync(ChangeRecord change, string expectedStatus, CancellationToken ct = default);

    /// <summary>
    /// Writes a change (new, or replacing one that awaited approval) in <see cref="ChangeStatus.Applying"/> and marks its request as changing, in one transaction, only
    /// if the request is still <c>Provisioned</c> at <paramref name="expectedVersion"/> with no other change in progress.
    /// </summary>
    Task<ChangeStart> BeginChangeAsync(ChangeRecord change, int expectedVersion, CancellationToken ct = default);

    /// <summary>
    /// Ends a change begun with <see cref="BeginChangeAsync"/>: applied (the request takes the change's state, its
    /// version and a history entry) or rolled back (the request keeps its state); either way the request is free for
    /// the next change. Repeating it is harmless.
    /// </summary>
    Task FinishChangeAsync(ChangeRecord change, bool applied, string at, CancellationToken ct = default);

    /// <summary>Live requests whose <c>expiresAt</c> is after <paramref name="now"/> and at or before <paramref name="until"/> (the expiry index).</summary>
    Task<IReadOnlyList<RequestRecord>> ExpiringAsync(DateTimeOffset now, DateTimeOffset until, CancellationToken ct = default);

    /// <summary>Records that the expiring-soon notice for this <paramref name="expiresAt"/> was sent; false when it was already.</summary>
    Task<bool> MarkExpiryNoticeAsync(RequestId id, DateTimeOffset expiresAt, CancellationToken ct = default);
}
