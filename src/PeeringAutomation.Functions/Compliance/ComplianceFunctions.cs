using System.Text.Json;
using System.Text.Json.Nodes;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Compliance;

/// <summary>One account and region to evaluate.</summary>
public sealed record ComplianceScope(string AccountId, string Region);

/// <summary>Output of the plan step: which account-regions this sweep covers.</summary>
public sealed record ComplianceSweepPlan
{
    public required string SweepId { get; init; }

    public required string StartedAt { get; init; }

    public required IReadOnlyList<ComplianceScope> Scopes { get; init; }

    /// <summary>Requested accounts or regions that are not managed (not scanned).</summary>
    public required IReadOnlyList<string> Ignored { get; init; }

    /// <summary>Set when the request was malformed: nothing is scanned.</summary>
    public IReadOnlyList<Reason>? Reasons { get; init; }
}

/// <summary>Input of the summary step: the plan with every scope's evaluation.</summary>
public sealed record ComplianceSweepResults
{
    public required string SweepId { get; init; }

    public required string StartedAt { get; init; }

    public IReadOnlyList<string> Ignored { get; init; } = [];

    public required IReadOnlyList<ScopeEvaluation> Evaluations { get; init; }
}

/// <summary>Detail of <c>Compliance Check Completed</c>.</summary>
public sealed record ComplianceSummary
{
    public required string SweepId { get; init; }

    public required string StartedAt { get; init; }

    public required string FinishedAt { get; init; }

    public required IReadOnlyDictionary<string, int> FindingsByType { get; init; }

    public required int FindingCount { get; init; }

    public required IReadOnlyList<string> AccountsScanned { get; init; }

    public required IReadOnlyList<string> ScopesFailed { get; init; }

    public required int PeeringsChecked { get; init; }

    public required int VpcsChecked { get; init; }

    public required int ApiCalls { get; init; }

    public IReadOnlyList<string> Ignored { get; init; } = [];
}

/// <summary>Output of the summary step: the deduplicated findings to emit and the sweep summary.</summary>
public sealed record ComplianceReport(IReadOnlyList<ComplianceFinding> Findings, ComplianceSummary Summary);

/// <summary>First step of CheckCompliance: the account × region scopes of this sweep (all managed, or the requested subset).</summary>
public sealed class PlanComplianceSweepFunction(Services? services)
{
    public PlanComplianceSweepFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var envelope = (await JsonNode.ParseAsync(input)) as JsonObject ?? [];
        var policy = Services.Settings.Policy;
        var accounts = policy.ManagedAccounts.OrderBy(a => a.Value, StringComparer.Ordinal).ToList();
        var regions = policy.ManagedRegions.OrderBy(r => r.Value, StringComparer.Ordinal).ToList();
        var ignored = new List<string>();
        IReadOnlyList<Reason>? reasons = null;
        if (envelope["source"]?.GetValue<string>() != "aws.events")
        {
            // The provisioning workflow asks for a check of its two sides with the automation's own source.
            if (envelope["source"]?.GetValue<string>() == "vpc-peering.automation")
            {
                envelope["source"] = RequestParser.EventSource;
            }
            using var document = JsonDocument.Parse(envelope.ToJsonString());
            var parsed = Services.Parser.ParseComplianceCheckRequested(document.RootElement);
            if (!parsed.IsValid)
            {
                reasons = parsed.Reasons;
                accounts = [];
            }
            else
            {
                if (parsed.Value.AccountIds.Count > 0)
                {
                    ignored.AddRange(parsed.Value.AccountIds.Where(a => !policy.ManagedAccounts.Contains(a)).Select(a => $"account {a}"));
                    accounts = accounts.Intersect(parsed.Value.AccountIds).ToList();
                }
                if (parsed.Value.Regions.Count > 0)
                {
                    ignored.AddRange(parsed.Value.Regions.Where(r => !policy.ManagedRegions.Contains(r)).Select(r => $"region {r}"));
                    regions = regions.Intersect(parsed.Value.Regions).ToList();
                }
            }
        }
        var now = Services.Clock.GetUtcNow();
        var plan = new ComplianceSweepPlan
        {
            SweepId = envelope["id"]?.GetValue<string>() ?? Guid.NewGuid().ToString(),
            StartedAt = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            Scopes = accounts.SelectMany(a => regions.Select(r => new ComplianceScope(a.Value, r.Value))).ToList(),
            Ignored = ignored,
            Reasons = reasons,
        };
        new StructuredLog("PlanComplianceSweep").Info("sweep planned", ("scopes", plan.Scopes.Count), ("sweepId", plan.SweepId));
        return await FunctionJson.SerializeAsync(plan, PeeringJsonContext.Default.ComplianceSweepPlan);
    }
}

/// <summary>Evaluates one account and region (a Map iteration of CheckCompliance).</summary>
public sealed class EvaluateComplianceScopeFunction(Services? services)
{
    public EvaluateComplianceScopeFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var scope = await JsonSerializer.DeserializeAsync(input, PeeringJsonContext.Default.ComplianceScope)
            ?? throw new PeeringRequestInvalid("the scope is empty");
        var accountRegion = new AccountRegion(AccountId.Parse(scope.AccountId), AwsRegion.Parse(scope.Region));
        var log = new StructuredLog("EvaluateComplianceScope") { Account = scope.AccountId, Region = scope.Region };
        var evaluation = await Services.Compliance.EvaluateAsync(accountRegion);
        log.Info("scope evaluated", ("findings", evaluation.Findings.Count), ("apiCalls", evaluation.ApiCalls), ("failed", evaluation.Failed));
        return await FunctionJson.SerializeAsync(evaluation, PeeringJsonContext.Default.ScopeEvaluation);
    }
}

/// <summary>Last step of CheckCompliance: one finding per problem per sweep, counts per type, EMF metrics, the summary event.</summary>
public sealed class SummarizeComplianceFunction(Services? services)
{
    public SummarizeComplianceFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var results = await JsonSerializer.DeserializeAsync(input, PeeringJsonContext.Default.ComplianceSweepResults)
            ?? throw new PeeringRequestInvalid("the sweep results are empty");
        var findings = results.Evaluations.SelectMany(e => e.Findings).DistinctBy(f => f.FindingId).ToList();
        var summary = new ComplianceSummary
        {
            SweepId = results.SweepId,
            StartedAt = results.StartedAt,
            FinishedAt = Services.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            FindingsByType = FindingTypes.All.ToDictionary(t => t, t => findings.Count(f => f.FindingType == t)),
            FindingCount = findings.Count,
            AccountsScanned = results.Evaluations.Where(e => !e.Failed).Select(e => e.AccountId).Distinct().Order().ToList(),
            ScopesFailed = results.Evaluations.Where(e => e.Failed).Select(e => $"{e.AccountId}/{e.Region}").ToList(),
            PeeringsChecked = results.Evaluations.Sum(e => e.PeeringsChecked),
            VpcsChecked = results.Evaluations.Sum(e => e.VpcsChecked),
            ApiCalls = results.Evaluations.Sum(e => e.ApiCalls),
            Ignored = results.Ignored,
        };
        var log = new StructuredLog("SummarizeCompliance");
        foreach (var (type, count) in summary.FindingsByType)
        {
            log.Count($"Findings{type}", count);
        }
        log.Info("sweep summarized", ("findings", summary.FindingCount), ("apiCalls", summary.ApiCalls));
        return await FunctionJson.SerializeAsync(new ComplianceReport(findings, summary), PeeringJsonContext.Default.ComplianceReport);
    }
}
