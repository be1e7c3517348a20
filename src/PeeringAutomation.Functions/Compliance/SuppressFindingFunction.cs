using System.Text.Json;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Compliance;

/// <summary>Detail of <c>Compliance Finding Suppressed</c> and <c>Compliance Finding Suppression Refused</c>.</summary>
public sealed record SuppressionEvent
{
    public required string FindingId { get; init; }

    /// <summary>The envelope account that asked.</summary>
    public required string SuppressedBy { get; init; }

    public string? Reason { get; init; }

    public string? Until { get; init; }

    /// <summary>Why it was refused (refusals only).</summary>
    public IReadOnlyList<Reason>? Reasons { get; init; }
}

/// <summary>
/// The suppression branch of CheckCompliance (<c>Compliance Finding Suppression Requested</c>):
/// records the suppression for a platform account, and returns the outcome event and its alert.
/// </summary>
public sealed class SuppressFindingFunction(Services? services)
{
    public const string SuppressedDetailType = "Compliance Finding Suppressed";
    public const string RefusedDetailType = "Compliance Finding Suppression Refused";

    public SuppressFindingFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var document = await EventJson.ParseAsync(input);
        var outcome = await Services.Suppressor.SuppressAsync(document.RootElement);
        new StructuredLog("SuppressFinding").Info("suppression handled", ("findingId", outcome.FindingId), ("suppressed", outcome.Suppressed), ("asker", outcome.AskerAccount));
        return await FunctionJson.SerializeAsync(Batch(outcome, Services.Settings.EventBusName), PeeringJsonContext.Default.FindingBatch);
    }

    /// <summary>The outcome event and its alert: one sentence for people, the event's JSON after it.</summary>
    internal static FindingBatch Batch(SuppressionOutcome outcome, string eventBusName)
    {
        var detail = new SuppressionEvent
        {
            FindingId = outcome.FindingId, SuppressedBy = outcome.AskerAccount, Reason = outcome.Reason, Until = outcome.Until,
            Reasons = outcome.Suppressed ? null : outcome.Reasons,
        };
        var json = JsonSerializer.Serialize(detail, PeeringJsonContext.Default.SuppressionEvent);
        var type = outcome.Suppressed ? SuppressedDetailType : RefusedDetailType;
        var sentence = outcome.Suppressed
            ? $"Account {outcome.AskerAccount} suppressed the alerts of finding {outcome.FindingId} until {outcome.Until} because: {outcome.Reason}. " +
              "The finding is still emitted on the bus every sweep and counted as suppressed in the summary; alerts resume after that time if it is still open."
            : $"Account {(outcome.AskerAccount.Length > 0 ? outcome.AskerAccount : "(none)")} asked to suppress finding {outcome.FindingId}; refused: " +
              string.Join("; ", outcome.Reasons.Select(r => $"{r.Code}: {r.Message}")) + ".";
        return new FindingBatch(
            [new EventEntry(eventBusName, RequestParser.AutomationSource, type, json)],
            $"VPC peering compliance: {(outcome.Suppressed ? "finding suppressed" : "suppression refused")}",
            sentence + "\n\n" + json);
    }
}
