using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Compliance;

/// <summary>What one page of one account-region's sweep found, remediated and decided to alert.</summary>
public sealed record ScopeSweepResult
{
    public required ScopeEvaluation Evaluation { get; init; }

    public required LifecyclePage Page { get; init; }

    /// <summary>Flow logs created for VPCs of this page that had none (empty unless remediation is on).</summary>
    public required IReadOnlyList<FlowLogRemediationResult> Remediations { get; init; }

    /// <summary>Per finding of the page (open or resolved): what to emit and whether people are told.</summary>
    public required IReadOnlyList<FindingOutcome> Outcomes { get; init; }

    /// <summary>EC2 calls this page made: none for the evaluation when it paged through a kept snapshot.</summary>
    public required int ApiCalls { get; init; }

    /// <summary>The remediations that created a flow log.</summary>
    public IEnumerable<FlowLogRemediationResult> FlowLogsCreated => Remediations.Where(r => r.FlowLogId is not null);
}

/// <summary>
/// One page of one account-region's compliance sweep: evaluate the scope (or, for a later page of
/// the same sweep, take the first page's snapshot when this container kept it), take the page of
/// findings after <c>after</c>, remediate missing flow logs (opt-in), and record what the sweep saw.
/// </summary>
public sealed class ComplianceScopeSweep(
    ComplianceEvaluator evaluator, FindingLifecycle lifecycle, FlowLogRemediator remediator, int pageSize, ScopeSnapshots? snapshots = null)
{
    /// <summary>
    /// <paramref name="execution"/> is the run of the workflow this page belongs to, which the
    /// findings store records with each alert: a retried step of the same run alerts again rather
    /// than not at all, while another run of the same sweep (EventBridge delivered its event twice)
    /// finds the alert already told. Without one, the sweep id stands in for it.
    /// </summary>
    public async Task<ScopeSweepResult> RunAsync(
        AccountRegion scope, string? after, string sweepId, string? execution = null, CancellationToken ct = default)
    {
        // The first page always reads afresh (a new sweep, or its retry). A later page pages through
        // the first page's snapshot when this container kept it, else evaluates afresh. Either way
        // it takes the findings (and the stored open ones now gone) after the previous page's last
        // id in id order: a finding that appears or goes between pages shifts nothing, and none is
        // emitted twice.
        var kept = after is null ? null : snapshots?.Find(sweepId, scope);
        var snapshot = kept ?? await lifecycle.SnapshotAsync(await evaluator.EvaluateAsync(scope, ct), ct);
        if (kept is null)
        {
            snapshots?.Keep(sweepId, scope, snapshot);
        }
        var page = lifecycle.Page(snapshot, after, pageSize);
        var remediations = await remediator.RemediateAsync(page.Open, ct);
        var open = page.Open.Select(f => remediations.FirstOrDefault(r => r.Finding.FindingId == f.FindingId)?.Finding ?? f).ToList();
        var outcomes = await lifecycle.ApplyAsync(page, open, string.IsNullOrEmpty(execution) ? sweepId : execution, ct);
        return new ScopeSweepResult
        {
            Evaluation = snapshot.Evaluation, Page = page, Remediations = remediations, Outcomes = outcomes,
            ApiCalls = (kept is null ? snapshot.Evaluation.ApiCalls : 0) + remediations.Count,
        };
    }
}
