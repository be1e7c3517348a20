using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Compliance;

/// <summary>
/// One account and region to evaluate; for a later page of its findings also where the previous
/// page ended and how many calls the earlier pages made.
/// </summary>
public sealed record ComplianceScope(string AccountId, string Region)
{
    /// <summary>The last findingId of the previous page; null for the first page.</summary>
    public string? After { get; init; }

    /// <summary>EC2 calls the earlier pages of this scope made (so the summary counts them all).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ApiCallsBefore { get; init; }
}

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

/// <summary>One <c>PutEvents</c> entry, as the <c>events:putEvents</c> integration takes it.</summary>
public sealed record EventEntry(
    [property: JsonPropertyName("EventBusName")] string EventBusName,
    [property: JsonPropertyName("Source")] string Source,
    [property: JsonPropertyName("DetailType")] string DetailType,
    [property: JsonPropertyName("Detail")] string Detail);

/// <summary>Up to ten findings: one PutEvents call and one alert.</summary>
public sealed record FindingBatch(IReadOnlyList<EventEntry> Entries, string Subject, string Message);

/// <summary>
/// What one account-region's Map iteration returns: its counts and its findings in batches of
/// ten, which the iteration emits itself. Findings never travel further, so the sweep's state
/// stays small however many account-regions there are.
/// </summary>
public sealed record ScopeReport
{
    public required string AccountId { get; init; }

    public required string Region { get; init; }

    public required IReadOnlyDictionary<string, int> FindingsByType { get; init; }

    public required int PeeringsChecked { get; init; }

    public required int VpcsChecked { get; init; }

    public required int ApiCalls { get; init; }

    public required bool Failed { get; init; }

    public IReadOnlyList<FindingBatch> Batches { get; init; } = [];

    /// <summary>
    /// Where the next page of this scope's findings starts (pass it back as <c>after</c>); absent
    /// on the last page. Findings leave in pages so one iteration's state stays far below 256 KB
    /// however many findings one account-region has.
    /// </summary>
    public string? NextPage { get; init; }
}

/// <summary>Input of the summary step: the plan with every scope's counts.</summary>
public sealed record ComplianceSweepResults
{
    public required string SweepId { get; init; }

    public required string StartedAt { get; init; }

    public IReadOnlyList<string> Ignored { get; init; } = [];

    public required IReadOnlyList<ScopeReport> Evaluations { get; init; }
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

/// <summary>Output of the summary step.</summary>
public sealed record ComplianceReport(ComplianceSummary Summary);

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

/// <summary>Evaluates one account and region (a Map iteration of CheckCompliance) and batches its findings for emission.</summary>
public sealed class EvaluateComplianceScopeFunction(Services? services)
{
    public const string FindingDetailType = "Peering Compliance Finding";
    internal const int BatchSize = 10; // PutEvents takes at most ten entries

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
        // Every page evaluates the scope afresh (the functions keep no state between calls) and
        // takes the findings after the previous page's last id in id order: a finding that appears
        // or goes between pages shifts nothing, and none is emitted twice.
        var pageSize = Services.Settings.ComplianceFindingsPageSize;
        var remaining = evaluation.Findings
            .Where(f => scope.After is null || string.CompareOrdinal(f.FindingId, scope.After) > 0)
            .OrderBy(f => f.FindingId, StringComparer.Ordinal)
            .ToList();
        var page = remaining.Take(pageSize).ToList();
        log.Info("scope evaluated", ("findings", evaluation.Findings.Count), ("page", page.Count), ("apiCalls", evaluation.ApiCalls), ("failed", evaluation.Failed));
        var report = new ScopeReport
        {
            AccountId = evaluation.AccountId,
            Region = evaluation.Region,
            FindingsByType = evaluation.Findings.GroupBy(f => f.FindingType).ToDictionary(g => g.Key, g => g.Count()),
            PeeringsChecked = evaluation.PeeringsChecked,
            VpcsChecked = evaluation.VpcsChecked,
            ApiCalls = scope.ApiCallsBefore + evaluation.ApiCalls,
            Failed = evaluation.Failed,
            Batches = page.Chunk(BatchSize).Select(Batch).ToList(),
            NextPage = remaining.Count > page.Count ? page[^1].FindingId : null,
        };
        return await FunctionJson.SerializeAsync(report, PeeringJsonContext.Default.ScopeReport);
    }

    private FindingBatch Batch(ComplianceFinding[] findings)
    {
        var bus = Services.Settings.EventBusName;
        var entries = findings
            .Select(f => new EventEntry(bus, "vpc-peering.automation", FindingDetailType,
                JsonSerializer.Serialize(f, PeeringJsonContext.Default.ComplianceFinding)))
            .ToList();
        var subject = findings.Length == 1
            ? $"VPC peering compliance: {findings[0].FindingType}"
            : $"VPC peering compliance: {findings.Length} findings in {findings[0].AccountId}/{findings[0].Region}";
        var message = string.Join("\n\n", findings.Select(f => $"[{f.Severity}] {f.FindingType} ({f.FindingId})\n{f.Message}"));
        return new FindingBatch(entries, subject, message);
    }
}

/// <summary>Last step of CheckCompliance: counts per type over every scope, EMF metrics, the summary event.</summary>
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
        var byType = FindingTypes.All.ToDictionary(
            t => t, t => results.Evaluations.Sum(e => e.FindingsByType.TryGetValue(t, out var n) ? n : 0));
        var summary = new ComplianceSummary
        {
            SweepId = results.SweepId,
            StartedAt = results.StartedAt,
            FinishedAt = Services.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            FindingsByType = byType,
            FindingCount = byType.Values.Sum(),
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
        return await FunctionJson.SerializeAsync(new ComplianceReport(summary), PeeringJsonContext.Default.ComplianceReport);
    }
}
