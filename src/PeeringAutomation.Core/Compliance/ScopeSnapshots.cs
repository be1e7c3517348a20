using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Compliance;

/// <summary>
/// What the first page of one account-region's sweep read: the scope's evaluation (EC2 and the
/// ledger) and the store's open findings of the scope. Later pages of the same sweep page through
/// it instead of reading it all again.
/// </summary>
public sealed record ScopeSnapshot(ScopeEvaluation Evaluation, IReadOnlyDictionary<string, FindingState> Known);

/// <summary>
/// The snapshots of the sweeps this function container served lately, by sweep and scope: a
/// scope's later pages usually reach the container that served its first, and then make none of
/// its describe calls or index query again, and judge the same snapshot. Best effort and bounded
/// (<see cref="Capacity"/> scopes, kept <see cref="Lifetime"/>): a page that finds nothing here
/// evaluates afresh, which is equally correct (pages are cut by finding id, so nothing is emitted
/// twice). Filled only at invocation time, so a SnapStart snapshot (taken before any) holds none.
/// </summary>
public sealed class ScopeSnapshots(TimeProvider clock)
{
    /// <summary>Twice the sweep's Map concurrency (4): the scopes one container can be paging through.</summary>
    public const int Capacity = 8;

    /// <summary>Longer than any page takes (a function times out after 60 s), far shorter than a sweep period.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly LinkedList<(string Key, DateTimeOffset Taken, ScopeSnapshot Snapshot)> recent = new();

    public void Keep(string sweepId, AccountRegion scope, ScopeSnapshot snapshot)
    {
        if (string.IsNullOrEmpty(sweepId))
        {
            return; // no sweep to tie the pages together
        }
        lock (recent)
        {
            Remove(Key(sweepId, scope));
            recent.AddFirst((Key(sweepId, scope), clock.GetUtcNow(), snapshot));
            while (recent.Count > Capacity)
            {
                recent.RemoveLast();
            }
        }
    }

    public ScopeSnapshot? Find(string sweepId, AccountRegion scope)
    {
        if (string.IsNullOrEmpty(sweepId))
        {
            return null;
        }
        lock (recent)
        {
            var key = Key(sweepId, scope);
            var found = recent.FirstOrDefault(e => e.Key == key);
            if (found.Key is null)
            {
                return null;
            }
            if (clock.GetUtcNow() - found.Taken > Lifetime)
            {
                Remove(key);
                return null;
            }
            return found.Snapshot;
        }
    }

    private void Remove(string key)
    {
        for (var node = recent.First; node is not null; node = node.Next)
        {
            if (node.Value.Key == key)
            {
                recent.Remove(node);
                return;
            }
        }
    }

    private static string Key(string sweepId, AccountRegion scope) => $"{sweepId}|{scope}";
}
