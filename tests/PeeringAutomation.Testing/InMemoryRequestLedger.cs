using PeeringAutomation.Core;
using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Testing;

/// <summary>
/// The request ledger in memory, with the same conditional semantics as the DynamoDB one (the
/// adapter's moto-backed tests prove those): all-or-nothing claims, status changes that write once,
/// lock releases only by the owner. Counts calls the way DynamoDB bills them (one per API call).
/// </summary>
public sealed class InMemoryRequestLedger : IRequestLedger
{
    private readonly Lock gate = new();

    public Dictionary<RequestId, RequestRecord> Records { get; } = [];

    public Dictionary<VpcPair, PairLock> Locks { get; } = [];

    public Dictionary<PeeringConnectionId, RequestId> Peerings { get; } = [];

    public Dictionary<(RequestId, RequestId), ChangeRecord> Changes { get; } = [];

    public List<string> Calls { get; } = [];

    public Task<ClaimOutcome> ClaimAsync(RequestRecord record, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("TransactWriteItems");
            if (Records.TryGetValue(record.RequestId, out var existing))
            {
                return Task.FromResult(new ClaimOutcome(ClaimResult.RequestExists, Existing: existing));
            }
            if (Locks.TryGetValue(record.Pair, out var held))
            {
                return Task.FromResult(new ClaimOutcome(ClaimResult.PairLocked, Lock: held));
            }
            Records[record.RequestId] = record;
            Locks[record.Pair] = LockOf(record);
            return Task.FromResult(new ClaimOutcome(ClaimResult.Claimed));
        }
    }

    public async Task<ClaimOutcome> TakeOverAsync(RequestRecord record, PairLock stale, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("TransactWriteItems");
            if (Records.TryGetValue(record.RequestId, out var existing))
            {
                return new ClaimOutcome(ClaimResult.RequestExists, Existing: existing);
            }
            if (Locks.TryGetValue(record.Pair, out var held))
            {
                if (held != stale)
                {
                    return new ClaimOutcome(ClaimResult.PairLocked, Lock: held);
                }
                Records[record.RequestId] = record;
                Locks[record.Pair] = LockOf(record);
                return new ClaimOutcome(ClaimResult.Claimed);
            }
        }
        return await ClaimAsync(record, ct);
    }

    public Task<bool> PutAsync(RequestRecord record, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("TransactWriteItems");
            if (!Records.TryAdd(record.RequestId, record))
            {
                return Task.FromResult(false);
            }
            if (record.PeeringId is { } peering)
            {
                Peerings[peering] = record.RequestId;
            }
            return Task.FromResult(true);
        }
    }

    public Task<RequestRecord?> GetAsync(RequestId id, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("GetItem");
            return Task.FromResult(Records.GetValueOrDefault(id));
        }
    }

    public Task<PairLock?> GetPairLockAsync(VpcPair pair, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("GetItem");
            return Task.FromResult(Locks.GetValueOrDefault(pair));
        }
    }

    public Task<bool> RecordAsync(RequestId id, StatusChange change, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add(change.ReleasePair is null ? "UpdateItem" : "TransactWriteItems");
            if (!Records.TryGetValue(id, out var record)
                || (change.ExpectedStatus is { } expected ? record.Status != expected : record.Status == change.Status))
            {
                return Task.FromResult(false);
            }
            Records[id] = record with
            {
                Status = change.Status,
                Plan = change.Plan ?? record.Plan,
                Reasons = change.Reasons ?? record.Reasons,
                Approvals = change.Approvals ?? record.Approvals,
                ApprovalDeadline = change.ApprovalDeadline ?? record.ApprovalDeadline,
                ExecutionArn = change.NewOwner ?? record.ExecutionArn,
                History = [.. record.History, new HistoryEntry(change.Status, change.At, change.ExecutionArn, change.Detail)],
            };
            if (change.ReleasePair is { } pair && Locks.TryGetValue(pair, out var held) && held.Owner == id)
            {
                Locks.Remove(pair);
            }
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<RequestRecord>> ApprovalsPastDeadlineAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("Query");
            IReadOnlyList<RequestRecord> late = Records.Values
                .Where(r => r.Status == LedgerStatus.AwaitingApproval && r.ApprovalDeadline is { } d && d <= now).ToList();
            return Task.FromResult(late);
        }
    }

    public Task RecordPeeringAsync(RequestId id, PeeringConnectionId peering, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("TransactWriteItems");
            if (!Records.TryGetValue(id, out var record) || (record.PeeringId is { } other && other != peering))
            {
                throw new PeeringConflict($"request {id} cannot record peering {peering}");
            }
            Records[id] = record with { PeeringId = peering };
            Peerings[peering] = id;
            return Task.CompletedTask;
        }
    }

    public Task<RequestRecord?> FindByPeeringAsync(PeeringConnectionId peering, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("GetItem");
            if (!Peerings.TryGetValue(peering, out var id))
            {
                return Task.FromResult<RequestRecord?>(null);
            }
            Calls.Add("GetItem");
            return Task.FromResult(Records.GetValueOrDefault(id));
        }
    }

    public Task<IReadOnlyDictionary<PeeringConnectionId, RequestId>> KnownPeeringsAsync(
        IReadOnlyCollection<PeeringConnectionId> peerings, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.AddRange(Enumerable.Repeat("BatchGetItem", (peerings.Count + 99) / 100));
            IReadOnlyDictionary<PeeringConnectionId, RequestId> known = peerings.Distinct()
                .Where(Peerings.ContainsKey).ToDictionary(p => p, p => Peerings[p]);
            return Task.FromResult(known);
        }
    }

    public Task<IReadOnlyList<RequestRecord>> ExpiredAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("Query");
            IReadOnlyList<RequestRecord> expired = Records.Values.Where(r => r.IsLive && r.ExpiresAt is { } at && at <= now).ToList();
            return Task.FromResult(expired);
        }
    }

    public Task<IReadOnlyList<RequestRecord>> ListByStatusAsync(IReadOnlyCollection<string> statuses, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("Scan");
            IReadOnlyList<RequestRecord> listed = Records.Values.Where(r => statuses.Contains(r.Status)).ToList();
            return Task.FromResult(listed);
        }
    }

    public Task<ChangeRecord?> GetChangeAsync(RequestId requestId, RequestId changeId, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("GetItem");
            return Task.FromResult(Changes.GetValueOrDefault((requestId, changeId)));
        }
    }

    public Task<bool> PutChangeAsync(ChangeRecord change, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("PutItem");
            return Task.FromResult(Changes.TryAdd((change.RequestId, change.ChangeId), change));
        }
    }

    public Task<bool> UpdateChangeAsync(ChangeRecord change, string expectedStatus, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("PutItem");
            var key = (change.RequestId, change.ChangeId);
            if (!Changes.TryGetValue(key, out var existing) || existing.Status != expectedStatus)
            {
                return Task.FromResult(false);
            }
            Changes[key] = change;
            return Task.FromResult(true);
        }
    }

    public Task<ChangeStart> BeginChangeAsync(ChangeRecord change, int expectedVersion, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("TransactWriteItems");
            if (Changes.TryGetValue((change.RequestId, change.ChangeId), out var existing) && existing.Status != ChangeStatus.AwaitingApproval)
            {
                return Task.FromResult(ChangeStart.ChangeExists);
            }
            if (!Records.TryGetValue(change.RequestId, out var record) || record.Version != expectedVersion
                || record.ChangeInProgress is not null || record.Status != LedgerStatus.Provisioned)
            {
                return Task.FromResult(ChangeStart.VersionConflict);
            }
            Changes[(change.RequestId, change.ChangeId)] = change;
            Records[change.RequestId] = record with { ChangeInProgress = change.ChangeId.Value };
            return Task.FromResult(ChangeStart.Started);
        }
    }

    public Task FinishChangeAsync(ChangeRecord change, bool applied, string at, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("TransactWriteItems");
            var key = (change.RequestId, change.ChangeId);
            if (!Records.TryGetValue(change.RequestId, out var record) || record.ChangeInProgress != change.ChangeId.Value)
            {
                return Task.CompletedTask;
            }
            Changes[key] = Changes[key] with { Status = applied ? ChangeStatus.Applied : ChangeStatus.RolledBack, At = at };
            Records[change.RequestId] = (applied
                ? record with
                {
                    Plan = change.After.Plan,
                    AllowDnsResolution = change.After.AllowDnsResolution,
                    ExpiresAt = change.After.ExpiresAt,
                    Version = change.Version,
                }
                : record) with
            {
                ChangeInProgress = null,
                History = [.. record.History, new HistoryEntry(applied ? "Changed" : "ChangeRolledBack", at, change.ExecutionArn,
                    $"change {change.ChangeId} (version {change.Version})")],
            };
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<RequestRecord>> ExpiringAsync(DateTimeOffset now, DateTimeOffset until, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("Query");
            IReadOnlyList<RequestRecord> expiring = Records.Values.Where(r => r.IsLive && r.ExpiresAt is { } at && at > now && at <= until).ToList();
            return Task.FromResult(expiring);
        }
    }

    public Task<bool> MarkExpiryNoticeAsync(RequestId id, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        lock (gate)
        {
            Calls.Add("UpdateItem");
            var text = LedgerTime.Of(expiresAt);
            if (!Records.TryGetValue(id, out var record) || record.ExpiryNoticeFor == text || record.ExpiresAt != expiresAt)
            {
                return Task.FromResult(false);
            }
            Records[id] = record with { ExpiryNoticeFor = text };
            return Task.FromResult(true);
        }
    }

    private static PairLock LockOf(RequestRecord record) =>
        new(record.Pair, record.RequestId, record.ExecutionArn, record.History.FirstOrDefault()?.At ?? "");
}
