using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Core.Ledger;

namespace PeeringAutomation.Core.Compliance;

/// <summary>The outcome of <c>Compliance Finding Suppression Requested</c>: suppressed, or refused with reasons.</summary>
public sealed record SuppressionOutcome
{
    public required string FindingId { get; init; }

    /// <summary>The envelope account that asked (the one field no sender can forge).</summary>
    public required string AskerAccount { get; init; }

    public string? Reason { get; init; }

    public string? Until { get; init; }

    /// <summary>Why it was refused; empty when suppressed.</summary>
    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    public bool Suppressed => Reasons.Count == 0;
}

/// <summary>
/// Suppresses a finding's alerts until a time, for a platform account only (decided on the envelope
/// <c>account</c>, like every other request). The finding is still emitted on the bus every sweep and
/// counted apart in the summary; who suppressed it, why and until when are recorded.
/// </summary>
public sealed partial class FindingSuppressor(IFindingStore store, PeeringPolicy policy, TimeProvider clock)
{
    public const string FindingUnknown = "FindingUnknown";

    /// <summary>The longest suppression accepted: past that, a finding needs fixing, not silence.</summary>
    public static readonly TimeSpan MaxSuppression = TimeSpan.FromDays(366);

    public async Task<SuppressionOutcome> SuppressAsync(JsonElement envelope, CancellationToken ct = default)
    {
        var asker = EventEnvelope.Of(envelope).Account ?? "";
        var detail = EventEnvelope.DetailOf(envelope);
        var findingId = Text(detail, "findingId") ?? "";
        var reason = Text(detail, "reason");
        var untilText = Text(detail, "until");
        var now = clock.GetUtcNow();
        var reasons = new List<Reason>();
        if (!policy.IsPlatform(asker))
        {
            reasons.Add(new(ReasonCodes.RequesterNotAuthorized,
                $"account {(asker.Length > 0 ? asker : "(none)")} may not suppress findings; only a platform account (PlatformAccountIds) may"));
        }
        if (!FindingIdPattern().IsMatch(findingId))
        {
            reasons.Add(new(ReasonCodes.InvalidRequest, "findingId: expected the findingId of a Peering Compliance Finding (pcf- and 20 hex digits)"));
        }
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 1000)
        {
            reasons.Add(new(ReasonCodes.InvalidRequest, "reason: say why the finding may stay open (1 to 1000 characters)"));
        }
        DateTimeOffset until = default;
        if (untilText is null || !DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out until))
        {
            reasons.Add(new(ReasonCodes.InvalidRequest, "until: expected an ISO 8601 UTC time such as 2027-01-31T00:00:00Z"));
        }
        else if (until <= now || until > now + MaxSuppression)
        {
            reasons.Add(new(ReasonCodes.InvalidRequest, $"until: {untilText} must be in the future and at most {MaxSuppression.TotalDays:0} days away"));
        }
        var outcome = new SuppressionOutcome
        {
            FindingId = FindingIdPattern().IsMatch(findingId) ? findingId : "(invalid)", AskerAccount = asker, Reason = reason,
            Until = reasons.Count == 0 ? LedgerTime.Of(until) : untilText,
        };
        if (reasons.Count > 0)
        {
            return outcome with { Reasons = reasons };
        }
        return await store.SuppressAsync(findingId, until, asker, reason!, now, ct)
            ? outcome
            : outcome with { Reasons = [new(FindingUnknown, $"findingId: no finding {findingId} has been seen by a compliance sweep")] };
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    [GeneratedRegex("^pcf-[0-9a-f]{20}$")]
    private static partial Regex FindingIdPattern();
}
