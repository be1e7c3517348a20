namespace PeeringAutomation.Core.Compliance;

/// <summary>Why people are told about a finding this time (<see cref="None"/>: they are not).</summary>
public enum AlertReason
{
    None,
    New,
    Reopened,
    StillOpen,
    SuppressionEnded,
    Resolved,
}

/// <summary>What one sweep does with one finding of its page: the finding (open) or its last state (resolved), and whether it alerts.</summary>
public sealed record FindingOutcome
{
    /// <summary>The finding as seen now; null when it resolved.</summary>
    public ComplianceFinding? Open { get; init; }

    /// <summary>The state of a finding that is gone; null when it is open.</summary>
    public FindingState? Resolved { get; init; }

    public required AlertReason Alert { get; init; }

    public DateTimeOffset? FirstSeen { get; init; }

    public DateTimeOffset? SuppressedUntil { get; init; }

    public string FindingId => Open?.FindingId ?? Resolved!.FindingId;
}

/// <summary>
/// One page of a scope's findings with what the store knows of them: the findings seen now and the
/// open ones that are gone (resolved), in one id order, so a scope's resolutions page like its findings.
/// </summary>
public sealed record LifecyclePage
{
    public required IReadOnlyList<ComplianceFinding> Open { get; init; }

    public required IReadOnlyList<FindingState> Gone { get; init; }

    /// <summary>The last id of this page when more follow; null on the last page.</summary>
    public string? NextPage { get; init; }

    /// <summary>Open findings of the whole scope by type, suppressed ones left out.</summary>
    public required IReadOnlyDictionary<string, int> OpenByType { get; init; }

    /// <summary>Open findings of the whole scope that are suppressed, by type.</summary>
    public required IReadOnlyDictionary<string, int> SuppressedByType { get; init; }

    /// <summary>The store's open findings of the scope, by id.</summary>
    public required IReadOnlyDictionary<string, FindingState> Known { get; init; }
}

/// <summary>
/// The alert lifecycle: the bus hears every open finding every sweep; people (the alert topic) hear
/// of a finding when it is new, when it comes back, when it is still open <c>RealertAfter</c> after
/// the last alert, when its suppression has ended, and when it resolves. A suppressed finding
/// raises no alert until its end and is counted apart.
/// </summary>
public sealed class FindingLifecycle(IFindingStore store, TimeProvider clock, TimeSpan realertAfter)
{
    /// <summary>The default of <c>RealertAfter</c>: a week.</summary>
    public static readonly TimeSpan DefaultRealertAfter = TimeSpan.FromDays(7);

    public TimeSpan RealertAfter => realertAfter;

    /// <summary>The evaluation with the store's open findings of its scope.</summary>
    public async Task<ScopeSnapshot> SnapshotAsync(ScopeEvaluation evaluation, CancellationToken ct = default) =>
        new(evaluation, (await store.OpenInScopeAsync(evaluation.Scope, ct)).ToDictionary(s => s.FindingId, StringComparer.Ordinal));

    /// <summary>
    /// Chooses the page of a snapshot after <paramref name="after"/>: the findings seen now plus,
    /// unless the scan failed (then nothing may be called resolved), the stored open findings that are gone.
    /// </summary>
    public LifecyclePage Page(ScopeSnapshot snapshot, string? after, int pageSize)
    {
        var (evaluation, known) = (snapshot.Evaluation, snapshot.Known);
        var now = clock.GetUtcNow();
        var current = evaluation.Findings.Select(f => f.FindingId).ToHashSet(StringComparer.Ordinal);
        var gone = evaluation.Failed ? [] : known.Values.Where(s => !current.Contains(s.FindingId)).ToList();
        var ids = current.Concat(gone.Select(g => g.FindingId))
            .Where(id => after is null || string.CompareOrdinal(id, after) > 0)
            .Order(StringComparer.Ordinal)
            .ToList();
        var page = ids.Take(pageSize).ToHashSet(StringComparer.Ordinal);
        bool Suppressed(ComplianceFinding f) => known.TryGetValue(f.FindingId, out var s) && s.IsSuppressedAt(now);
        return new LifecyclePage
        {
            Open = evaluation.Findings.Where(f => page.Contains(f.FindingId)).OrderBy(f => f.FindingId, StringComparer.Ordinal).ToList(),
            Gone = gone.Where(g => page.Contains(g.FindingId)).OrderBy(g => g.FindingId, StringComparer.Ordinal).ToList(),
            NextPage = ids.Count > page.Count ? ids[page.Count - 1] : null,
            OpenByType = evaluation.Findings.Where(f => !Suppressed(f)).GroupBy(f => f.FindingType).ToDictionary(g => g.Key, g => g.Count()),
            SuppressedByType = evaluation.Findings.Where(Suppressed).GroupBy(f => f.FindingType).ToDictionary(g => g.Key, g => g.Count()),
            Known = known,
        };
    }

    /// <summary>
    /// How many findings of a page are recorded at once. A finding's store calls depend on each
    /// other but on no other finding: one after another, a page of 100 findings was 100-300 round
    /// trips in a row, most of a sweep's time.
    /// </summary>
    public const int ConcurrentFindings = 8;

    /// <summary>
    /// Records what this sweep saw of the page and decides, per finding, whether people are told.
    /// <paramref name="sweepId"/> names the run that alerts (see <see cref="FindingState.AlertSweepId"/>).
    /// </summary>
    public async Task<IReadOnlyList<FindingOutcome>> ApplyAsync(
        LifecyclePage page, IReadOnlyList<ComplianceFinding> open, string sweepId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<FindingOutcome>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = ConcurrentFindings, CancellationToken = ct };
        await Parallel.ForEachAsync(open, parallel, async (finding, token) =>
        {
            // Not in the (eventually consistent) index: new, resolved before, or written a moment ago.
            // New is the common case (every finding of a first sweep): one conditional write records
            // it and its alert. Otherwise the store's own state decides, read consistently.
            if (!page.Known.TryGetValue(finding.FindingId, out var previous))
            {
                if (await store.TryRecordNewAsync(finding, sweepId, now, token))
                {
                    outcomes.Add(new FindingOutcome { Open = finding, Alert = AlertReason.New, FirstSeen = now });
                    return;
                }
                previous = await store.GetAsync(finding.FindingId, token);
            }
            var reopened = previous is { ResolvedAt: not null };
            var firstSeen = previous is null || reopened ? now : previous.FirstSeen;
            await store.RecordSeenAsync(finding, firstSeen, now, token);
            var reason = Decide(previous, reopened, sweepId, now);
            if (reason != AlertReason.None
                && !await store.TryRecordAlertAsync(finding.FindingId, reopened ? previous!.LastAlertedAt : previous?.LastAlertedAt, sweepId, now, token))
            {
                reason = AlertReason.None; // another sweep told people a moment ago
            }
            outcomes.Add(new FindingOutcome
            {
                Open = finding, Alert = reason, FirstSeen = firstSeen,
                SuppressedUntil = previous is { } p && p.IsSuppressedAt(now) ? p.SuppressedUntil : null,
            });
        });
        await Parallel.ForEachAsync(page.Gone, parallel, async (state, token) =>
        {
            if (await store.TryResolveAsync(state.FindingId, now, token))
            {
                outcomes.Add(new FindingOutcome
                {
                    Resolved = state with { ResolvedAt = now }, FirstSeen = state.FirstSeen,
                    Alert = state.IsSuppressedAt(now) ? AlertReason.None : AlertReason.Resolved,
                });
            }
        });
        return outcomes.OrderBy(o => o.FindingId, StringComparer.Ordinal).ToList();
    }

    private AlertReason Decide(FindingState? previous, bool reopened, string sweepId, DateTimeOffset now)
    {
        if (previous is null)
        {
            return AlertReason.New;
        }
        if (reopened)
        {
            return AlertReason.Reopened;
        }
        if (previous.IsSuppressedAt(now))
        {
            return AlertReason.None;
        }
        if (previous.AlertSweepId == sweepId || previous.LastAlertedAt is null)
        {
            return AlertReason.New;
        }
        if (previous.SuppressedUntil is { } until && previous.LastAlertedAt < until)
        {
            return AlertReason.SuppressionEnded;
        }
        return now - previous.LastAlertedAt >= realertAfter ? AlertReason.StillOpen : AlertReason.None;
    }
}
