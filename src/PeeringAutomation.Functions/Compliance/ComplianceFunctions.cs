using System.Text.Json;
using System.Text.Json.Serialization;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;
using PeeringAutomation.Core.Ledger;

namespace PeeringAutomation.Functions.Compliance;

/// <summary>
/// One account and region to evaluate; for a later page of its findings also where the previous
/// page ended and how many calls the earlier pages made.
/// </summary>
public sealed record ComplianceScope(string AccountId, string Region)
{
    /// <summary>The sweep this scope belongs to (the event's id).</summary>
    public string? SweepId { get; init; }

    /// <summary>
    /// The execution (<c>$$.Execution.Id</c>) evaluating it: a retried step of the same execution
    /// alerts again rather than not at all; another execution of the same event (delivered twice)
    /// does not alert again.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExecutionArn { get; init; }

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

    public static ComplianceSweepPlan Of(SweepPlan plan) => new()
    {
        SweepId = plan.SweepId,
        StartedAt = plan.StartedAt,
        Scopes = plan.Scopes.Select(s => new ComplianceScope(s.Account.Value, s.Region.Value) { SweepId = plan.SweepId }).ToList(),
        Ignored = plan.Ignored,
        Reasons = plan.Reasons,
    };
}

/// <summary>One <c>PutEvents</c> entry, as the <c>events:putEvents</c> integration takes it.</summary>
public sealed record EventEntry(
    [property: JsonPropertyName("EventBusName")] string EventBusName,
    [property: JsonPropertyName("Source")] string Source,
    [property: JsonPropertyName("DetailType")] string DetailType,
    [property: JsonPropertyName("Detail")] string Detail);

/// <summary>Up to ten events: one PutEvents call, and one alert when any of them is news to people (else no subject and message).</summary>
public sealed record FindingBatch(IReadOnlyList<EventEntry> Entries, string? Subject, string? Message);

/// <summary>Detail of <c>Peering Compliance Finding Resolved</c>.</summary>
public sealed record FindingResolvedEvent
{
    public required string FindingId { get; init; }

    public required string FindingType { get; init; }

    public string? Severity { get; init; }

    public required string AccountId { get; init; }

    public required string Region { get; init; }

    public string? VpcId { get; init; }

    public required string FirstSeen { get; init; }

    public required string ResolvedAt { get; init; }

    /// <summary>What the finding said when it was last seen.</summary>
    public string? Message { get; init; }
}

/// <summary>Detail of <c>Flow Logs Enabled</c>: remediation created a flow log for a VPC that had none.</summary>
public sealed record FlowLogsEnabledEvent
{
    public required AccountId AccountId { get; init; }

    public required AwsRegion Region { get; init; }

    public required VpcId VpcId { get; init; }

    public required string FlowLogId { get; init; }

    public required string TrafficType { get; init; }

    /// <summary><c>cloud-watch-logs</c> or <c>s3</c>.</summary>
    public required string LogDestinationType { get; init; }

    public required string LogDestination { get; init; }

    /// <summary>The FlowLogsMissing finding this fixes (it resolves on the next sweep).</summary>
    public required string FindingId { get; init; }
}

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

    /// <summary>Open findings whose alerts a platform account suppressed, by type (not in <see cref="FindingsByType"/>).</summary>
    public IReadOnlyDictionary<string, int> SuppressedByType { get; init; } = new Dictionary<string, int>();

    /// <summary>The sweep (carried from page to page).</summary>
    public string SweepId { get; init; } = "";

    /// <summary>The execution evaluating the scope (carried from page to page).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExecutionArn { get; init; }

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

    /// <summary>The plan's: set when the request was malformed and nothing was scanned.</summary>
    public IReadOnlyList<Reason>? Reasons { get; init; }

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

    /// <summary>Open findings whose alerts are suppressed, by type: counted apart from <see cref="FindingsByType"/>.</summary>
    public IReadOnlyDictionary<string, int> SuppressedByType { get; init; } = new Dictionary<string, int>();

    public int SuppressedCount { get; init; }

    public required IReadOnlyList<string> AccountsScanned { get; init; }

    public required IReadOnlyList<string> ScopesFailed { get; init; }

    public required int PeeringsChecked { get; init; }

    public required int VpcsChecked { get; init; }

    public required int ApiCalls { get; init; }

    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>Why nothing was scanned, field by field, when the request was malformed; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Reason>? Reasons { get; init; }

    /// <summary>Counts per type over every scope of the sweep.</summary>
    public static ComplianceSummary Of(ComplianceSweepResults results, string finishedAt)
    {
        var byType = FindingTypes.All.ToDictionary(
            t => t, t => results.Evaluations.Sum(e => e.FindingsByType.TryGetValue(t, out var n) ? n : 0));
        var suppressed = FindingTypes.All.ToDictionary(
            t => t, t => results.Evaluations.Sum(e => e.SuppressedByType.TryGetValue(t, out var n) ? n : 0));
        return new ComplianceSummary
        {
            SuppressedByType = suppressed,
            SuppressedCount = suppressed.Values.Sum(),
            SweepId = results.SweepId,
            StartedAt = results.StartedAt,
            FinishedAt = finishedAt,
            FindingsByType = byType,
            FindingCount = byType.Values.Sum(),
            AccountsScanned = results.Evaluations.Where(e => !e.Failed).Select(e => e.AccountId).Distinct().Order().ToList(),
            ScopesFailed = results.Evaluations.Where(e => e.Failed).Select(e => $"{e.AccountId}/{e.Region}").ToList(),
            PeeringsChecked = results.Evaluations.Sum(e => e.PeeringsChecked),
            VpcsChecked = results.Evaluations.Sum(e => e.VpcsChecked),
            ApiCalls = results.Evaluations.Sum(e => e.ApiCalls),
            Ignored = results.Ignored,
            Reasons = results.Reasons is { Count: > 0 } reasons ? reasons : null,
        };
    }
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
        using var document = await EventJson.ParseAsync(input);
        var plan = ComplianceSweepPlan.Of(Services.SweepPlanner.Plan(document.RootElement));
        new StructuredLog("PlanComplianceSweep").Info("sweep planned", ("scopes", plan.Scopes.Count), ("sweepId", plan.SweepId));
        return await FunctionJson.SerializeAsync(plan, PeeringJsonContext.Default.ComplianceSweepPlan);
    }
}

/// <summary>Evaluates one account and region (a Map iteration of CheckCompliance) and batches its findings for emission.</summary>
public sealed class EvaluateComplianceScopeFunction(Services? services)
{
    public const string FindingDetailType = "Peering Compliance Finding";
    public const string ResolvedDetailType = "Peering Compliance Finding Resolved";
    public const string FlowLogsEnabledDetailType = "Flow Logs Enabled";
    internal const int BatchSize = 10; // PutEvents takes at most ten entries

    public EvaluateComplianceScopeFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var scope = await JsonSerializer.DeserializeAsync(input, PeeringJsonContext.Default.ComplianceScope)
            ?? throw new PeeringRequestInvalid("the scope is empty");
        var log = new StructuredLog("EvaluateComplianceScope") { Account = scope.AccountId, Region = scope.Region };
        var accountRegion = new AccountRegion(AccountId.Parse(scope.AccountId), AwsRegion.Parse(scope.Region));
        var sweep = await Services.ScopeSweep.RunAsync(accountRegion, scope.After, scope.SweepId ?? "", scope.ExecutionArn);
        var (evaluation, outcomes) = (sweep.Evaluation, sweep.Outcomes);
        log.Info("scope evaluated", ("findings", evaluation.Findings.Count), ("page", outcomes.Count), ("apiCalls", sweep.ApiCalls),
            ("failed", evaluation.Failed), ("alerts", outcomes.Count(o => o.Alert != AlertReason.None)), ("remediated", sweep.FlowLogsCreated.Count()));
        return await FunctionJson.SerializeAsync(Report(scope, sweep), PeeringJsonContext.Default.ScopeReport);
    }

    private ScopeReport Report(ComplianceScope scope, ScopeSweepResult sweep)
    {
        var entries = sweep.Outcomes.Select(o => (Entry: Entry(o), Outcome: (FindingOutcome?)o))
            .Concat(sweep.FlowLogsCreated.Select(r => (Entry: Enabled(r), Outcome: (FindingOutcome?)null)))
            .ToList();
        return new ScopeReport
        {
            AccountId = sweep.Evaluation.Scope.Account.Value,
            Region = sweep.Evaluation.Scope.Region.Value,
            FindingsByType = sweep.Page.OpenByType,
            SuppressedByType = sweep.Page.SuppressedByType,
            PeeringsChecked = sweep.Evaluation.PeeringsChecked,
            VpcsChecked = sweep.Evaluation.VpcsChecked,
            ApiCalls = scope.ApiCallsBefore + sweep.ApiCalls,
            Failed = sweep.Evaluation.Failed,
            SweepId = scope.SweepId ?? "",
            ExecutionArn = scope.ExecutionArn,
            Batches = entries.Chunk(BatchSize).Select(Batch).ToList(),
            NextPage = sweep.Page.NextPage,
        };
    }

    private EventEntry Entry(FindingOutcome outcome)
    {
        var bus = Services.Settings.EventBusName;
        if (outcome.Resolved is { } gone)
        {
            return new EventEntry(bus, RequestParser.AutomationSource, ResolvedDetailType,
                JsonSerializer.Serialize(new FindingResolvedEvent
                {
                    FindingId = gone.FindingId, FindingType = gone.FindingType, Severity = gone.Severity, AccountId = gone.AccountId,
                    Region = gone.Region, VpcId = gone.VpcId, FirstSeen = Time(gone.FirstSeen), ResolvedAt = Time(gone.ResolvedAt!.Value),
                    Message = gone.Message,
                }, PeeringJsonContext.Default.FindingResolvedEvent));
        }
        return new EventEntry(bus, RequestParser.AutomationSource, FindingDetailType, Detail(outcome));
    }

    private static string Detail(FindingOutcome outcome)
    {
        if (outcome.Resolved is not null)
        {
            return "";
        }
        var finding = outcome.Open! with
        {
            FirstSeen = outcome.FirstSeen is { } first ? Time(first) : null,
            SuppressedUntil = outcome.SuppressedUntil is { } until ? Time(until) : null,
        };
        return JsonSerializer.Serialize(finding, PeeringJsonContext.Default.ComplianceFinding);
    }

    private EventEntry Enabled(FlowLogRemediationResult result) =>
        new(Services.Settings.EventBusName, RequestParser.AutomationSource, FlowLogsEnabledDetailType,
            JsonSerializer.Serialize(new FlowLogsEnabledEvent
            {
                AccountId = result.Finding.AccountId, Region = result.Finding.Region, VpcId = result.Finding.VpcId!.Value,
                FlowLogId = result.FlowLogId!, TrafficType = "ALL",
                LogDestinationType = result.Target.Kind == Core.Model.FlowLogDelivery.S3 ? "s3" : "cloud-watch-logs",
                LogDestination = result.Target.Destination, FindingId = result.Finding.FindingId,
            }, PeeringJsonContext.Default.FlowLogsEnabledEvent));

    private static FindingBatch Batch((EventEntry Entry, FindingOutcome? Outcome)[] items)
    {
        var news = items.Select(i => i.Outcome).OfType<FindingOutcome>().Where(o => o.Alert != AlertReason.None).ToList();
        if (news.Count == 0)
        {
            return new FindingBatch(items.Select(i => i.Entry).ToList(), null, null);
        }
        // Sentences first (what, where, why, what to do), the finding's JSON after, for people first and tools second.
        var message = string.Join("\n\n----\n\n", news.Select(o =>
            FindingAlerts.Sentences(o) + "\n\n" + (o.Resolved is null ? Detail(o) : items.First(i => i.Outcome == o).Entry.Detail)));
        var first = news[0];
        var type = first.Open?.FindingType ?? first.Resolved!.FindingType;
        var where = first.Open?.Scope.ToString() ?? $"{first.Resolved!.AccountId}/{first.Resolved.Region}";
        var subject = news.Count == 1
            ? $"VPC peering compliance: {FindingAlerts.Headline(first)} {type} in {where}"
            : $"VPC peering compliance: {news.Count} findings changed in {where}";
        return new FindingBatch(items.Select(i => i.Entry).ToList(), SnsSubject(subject), message);
    }

    /// <summary>SNS wants an ASCII subject under 100 characters; a longer one would fail the publish and the sweep's iteration.</summary>
    public static string SnsSubject(string subject) => subject.Length < 100 ? subject : subject[..96] + "...";

    private static string Time(DateTimeOffset t) => LedgerTime.Of(t);
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
        var summary = ComplianceSummary.Of(results, LedgerTime.Of(Services.Clock.GetUtcNow()));
        var log = new StructuredLog("SummarizeCompliance");
        foreach (var (type, count) in summary.FindingsByType)
        {
            log.Count($"Findings{type}", count);
        }
        log.Info("sweep summarized", ("findings", summary.FindingCount), ("apiCalls", summary.ApiCalls));
        return await FunctionJson.SerializeAsync(new ComplianceReport(summary), PeeringJsonContext.Default.ComplianceReport);
    }
}
