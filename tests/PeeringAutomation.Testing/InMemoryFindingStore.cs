using System.Collections.Concurrent;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Testing;

/// <summary>The findings store in memory, with the DynamoDB adapter's conditional semantics.</summary>
public sealed class InMemoryFindingStore : IFindingStore
{
    public ConcurrentDictionary<string, FindingState> Items { get; } = new();

    /// <summary>How many calls each operation received, by method name (a finding's store cost).</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public int TotalCalls => Calls.Values.Sum();

    private void Count(string operation) => Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);

    public Task<IReadOnlyList<FindingState>> OpenInScopeAsync(AccountRegion scope, CancellationToken ct = default)
    {
        Count(nameof(OpenInScopeAsync));
        return Task.FromResult<IReadOnlyList<FindingState>>(Items.Values.Where(s => s.IsOpen && s.AccountId == scope.Account.Value && s.Region == scope.Region.Value).ToList());
    }

    public Task<FindingState?> GetAsync(string findingId, CancellationToken ct = default)
    {
        Count(nameof(GetAsync));
        return Task.FromResult(Items.TryGetValue(findingId, out var s) ? s : null);
    }

    public Task<bool> TryRecordNewAsync(ComplianceFinding finding, string sweepId, DateTimeOffset now, CancellationToken ct = default)
    {
        Count(nameof(TryRecordNewAsync));
        return Task.FromResult(Items.TryAdd(finding.FindingId, New(finding, now, now) with { LastAlertedAt = now, AlertSweepId = sweepId }));
    }

    public Task RecordSeenAsync(ComplianceFinding finding, DateTimeOffset firstSeen, DateTimeOffset now, CancellationToken ct = default)
    {
        Count(nameof(RecordSeenAsync));
        Items.AddOrUpdate(finding.FindingId,
            _ => New(finding, firstSeen, now),
            (_, s) => s with
            {
                FirstSeen = firstSeen, LastSeen = now, ResolvedAt = null, Message = finding.Message, Severity = finding.Severity, VpcId = finding.VpcId?.Value,
            });
        return Task.CompletedTask;
    }

    public Task<bool> TryRecordAlertAsync(string findingId, DateTimeOffset? previous, string sweepId, DateTimeOffset now, CancellationToken ct = default)
    {
        Count(nameof(TryRecordAlertAsync));
        lock (Items)
        {
            var s = Items[findingId];
            if (s.AlertSweepId != sweepId && s.LastAlertedAt != previous)
            {
                return Task.FromResult(false);
            }
            Items[findingId] = s with { LastAlertedAt = now, AlertSweepId = sweepId };
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryResolveAsync(string findingId, DateTimeOffset now, CancellationToken ct = default)
    {
        Count(nameof(TryResolveAsync));
        lock (Items)
        {
            if (!Items.TryGetValue(findingId, out var s) || s.ResolvedAt is not null)
            {
                return Task.FromResult(false);
            }
            Items[findingId] = s with { ResolvedAt = now };
            return Task.FromResult(true);
        }
    }

    public Task<bool> SuppressAsync(string findingId, DateTimeOffset until, string by, string reason, DateTimeOffset now, CancellationToken ct = default)
    {
        Count(nameof(SuppressAsync));
        lock (Items)
        {
            if (!Items.TryGetValue(findingId, out var s))
            {
                return Task.FromResult(false);
            }
            Items[findingId] = s with { SuppressedUntil = until, SuppressedBy = by, SuppressionReason = reason };
            return Task.FromResult(true);
        }
    }

    private static FindingState New(ComplianceFinding f, DateTimeOffset firstSeen, DateTimeOffset now) => new()
    {
        FindingId = f.FindingId, FindingType = f.FindingType, AccountId = f.AccountId.Value, Region = f.Region.Value,
        FirstSeen = firstSeen, LastSeen = now, Message = f.Message, Severity = f.Severity, VpcId = f.VpcId?.Value,
    };
}
