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

    /// <summary>The remediations that created a flow log.</summary>
    public IEnumerable<FlowLogRemediationResult> FlowLogsCreated => Remediations.Where(r => r.FlowLogId is not null);
}

/// <summary>
/// One page of one account-region's compliance sweep: evaluate the scope, take the page of findings
/// after <c>after</c>, remediate missing flow logs (opt-in), and record what the sweep saw.
/// </summary>
public sealed class ComplianceScopeSweep(ComplianceEvaluator evaluator, FindingLifecycle lifecycle, FlowLogRemediator remediator, int pageSize)
{
    public async Task<ScopeSweepResult> RunAsync(AccountRegion scope, string? after, string sweepId, CancellationToken ct = default)
    {
        var evaluation = await evaluator.EvaluateAsync(scope, ct);
        // Every page evaluates the scope afresh (the functions keep no state between calls) and
        // takes the findings (and the stored open ones now gone) after the previous page's last id
        // in id order: a finding that appears or goes between pages shifts nothing, and none is
        // emitted twice.
        var page = await lifecycle.PageAsync(evaluation, after, pageSize, ct);
        var remediations = await remediator.RemediateAsync(page.Open, ct);
        var open = page.Open.Select(f => remediations.FirstOrDefault(r => r.Finding.FindingId == f.FindingId)?.Finding ?? f).ToList();
        var outcomes = await lifecycle.ApplyAsync(page, open, sweepId, ct);
        return new ScopeSweepResult { Evaluation = evaluation, Page = page, Remediations = remediations, Outcomes = outcomes };
    }
}
