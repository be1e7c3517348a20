using System.Collections.Concurrent;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// What the layer knows about each peering that moto does not keep: when it was created, whether
/// AWS would have failed it, and each side's own tags. moto keeps one shared object per peering;
/// this is the per-side, per-time view on top of it.
/// </summary>
public sealed class PeeringBook
{
    private readonly ConcurrentDictionary<string, PeeringRecord> records = new(StringComparer.Ordinal);

    public PeeringRecord? Find(string id) => records.GetValueOrDefault(id);

    /// <summary>Records a peering; the first record of an id wins (create answers and describes may race).</summary>
    public PeeringRecord Add(PeeringRecord record) => records.GetOrAdd(record.Id, record);
}

/// <summary>One peering as the layer sees it. Mutable parts are guarded by the record itself.</summary>
public sealed class PeeringRecord(string id, PeeringSide requester, PeeringSide accepter, DateTimeOffset createdAt)
{
    private readonly Dictionary<(string Account, string Region), Dictionary<string, string>> tags = [];

    public string Id { get; } = id;

    public PeeringSide Requester { get; } = requester;

    public PeeringSide Accepter { get; } = accepter;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>moto's status the last time the layer saw it (only a pending peering can expire).</summary>
    public string? LastMotoStatus { get; set; }

    public bool InterRegion => Requester.Region != Accepter.Region;

    /// <summary>Whether AWS's asynchronous checks (overlap, ids) have run.</summary>
    public bool Settled { get; private set; }

    /// <summary>AWS's status message when those checks failed the peering; null when they passed.</summary>
    public string? FailedBecause { get; private set; }

    public void Settle(string? failedBecause)
    {
        lock (tags)
        {
            if (!Settled)
            {
                Settled = true;
                FailedBecause = failedBecause;
            }
        }
    }

    /// <summary>The tags one side set (a copy).</summary>
    public IReadOnlyDictionary<string, string> TagsOf(PeeringSide side)
    {
        lock (tags)
        {
            return tags.TryGetValue((side.Account, side.Region), out var set) ? new Dictionary<string, string>(set) : [];
        }
    }

    public void SetTags(PeeringSide side, IEnumerable<KeyValuePair<string, string>> values)
    {
        lock (tags)
        {
            if (!tags.TryGetValue((side.Account, side.Region), out var set))
            {
                tags[(side.Account, side.Region)] = set = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            foreach (var (key, value) in values)
            {
                set[key] = value;
            }
        }
    }

    /// <summary>DeleteTags semantics: a key alone removes any value; a key with a value only that value.</summary>
    public void RemoveTags(PeeringSide side, IReadOnlyList<(string Key, string? Value)> remove)
    {
        lock (tags)
        {
            if (!tags.TryGetValue((side.Account, side.Region), out var set))
            {
                return;
            }
            if (remove.Count == 0)
            {
                foreach (var key in set.Keys.Where(k => !k.StartsWith("aws:", StringComparison.Ordinal)).ToList())
                {
                    set.Remove(key);
                }
                return;
            }
            foreach (var (key, value) in remove)
            {
                if (value is null || (set.TryGetValue(key, out var current) && current == value))
                {
                    set.Remove(key);
                }
            }
        }
    }

    /// <summary>The side the caller stands on, or null when it is on neither.</summary>
    public PeeringSide? SideOf(Caller caller) =>
        caller.Is(Requester) ? Requester : caller.Is(Accepter) ? Accepter : null;
}
