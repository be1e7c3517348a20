using System.Text.Json;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Compliance;

/// <summary>The account-regions one sweep covers.</summary>
public sealed record SweepPlan
{
    public required string SweepId { get; init; }

    public required string StartedAt { get; init; }

    public required IReadOnlyList<AccountRegion> Scopes { get; init; }

    /// <summary>Requested accounts or regions that are not managed (not scanned), as <c>account 1…</c> / <c>region x…</c>.</summary>
    public required IReadOnlyList<string> Ignored { get; init; }

    /// <summary>Set when the request was malformed: nothing is scanned.</summary>
    public IReadOnlyList<Reason>? Reasons { get; init; }
}

/// <summary>
/// Plans a compliance sweep from the event that started it: the schedule (<c>aws.events</c>) sweeps
/// every managed account × region; a <c>Compliance Check Requested</c> event (from a team, or from the
/// provisioning workflow for a new peering's two sides) sweeps the managed part of what it names.
/// </summary>
public sealed class ComplianceSweepPlanner(RequestParser parser, PeeringPolicy policy, TimeProvider clock)
{
    public const string ScheduleSource = "aws.events";

    public SweepPlan Plan(JsonElement envelope)
    {
        var accounts = policy.ManagedAccounts.OrderBy(a => a.Value, StringComparer.Ordinal).ToList();
        var regions = policy.ManagedRegions.OrderBy(r => r.Value, StringComparer.Ordinal).ToList();
        var ignored = new List<string>();
        IReadOnlyList<Reason>? reasons = null;
        var source = Text(envelope, "source");
        if (source != ScheduleSource)
        {
            var parsed = source == RequestParser.AutomationSource
                ? parser.ParseAutomationComplianceCheck(envelope)
                : parser.ParseComplianceCheckRequested(envelope);
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
        return new SweepPlan
        {
            SweepId = Text(envelope, "id") ?? Guid.NewGuid().ToString(),
            StartedAt = LedgerTime.Of(clock.GetUtcNow()),
            Scopes = accounts.SelectMany(a => regions.Select(r => new AccountRegion(a, r))).ToList(),
            Ignored = ignored,
            Reasons = reasons,
        };
    }

    private static string? Text(JsonElement envelope, string name) =>
        envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
