using System.Text.Json;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Provisioning;

/// <summary>
/// First step of ProvisionPeering: parses the <c>Peering Requested</c> event, claims it and its VPC
/// pair in the request ledger, reads both sides in their own accounts and regions, and validates
/// (<see cref="Core.Provisioning.RequestIntake"/>). A refusal or a duplicate delivery is a normal
/// result, not an error: only AWS trouble makes this step fail.
/// </summary>
public sealed class ValidatePeeringRequestFunction(Services? services)
{
    private const string Step = "ValidatePeeringRequest";

    public ValidatePeeringRequestFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var document = await EventJson.ParseAsync(input);
        var (envelope, executionArn) = IntakeInput.Of(document.RootElement);
        var outcome = await Services.Intake.TakeAsync(envelope, executionArn, CancellationToken.None);
        var result = Result(outcome, envelope, executionArn, Services.Settings);
        Log(new StructuredLog(Step) { RequestId = outcome.RequestId }, outcome, result);
        return await FunctionJson.SerializeAsync(result, PeeringJsonContext.Default.ValidationResult);
    }

    /// <summary>The step's answer in the form the state machine routes on.</summary>
    internal static ValidationResult Result(IntakeOutcome outcome, JsonElement envelope, string? executionArn, FunctionSettings settings) => new()
    {
        Accepted = outcome.IsAccepted,
        Duplicate = outcome.Duplicate,
        RequestId = outcome.RequestId,
        ExecutionArn = executionArn,
        Request = outcome.Request,
        Plan = outcome.Plan,
        Outcome = outcome.IsAccepted || outcome.Duplicate || outcome.AwaitingApproval is not null
            ? null
            : Rejection(outcome.Request, outcome.Reasons, envelope),
        ApprovalRequested = outcome.AwaitingApproval is { } waiting
            ? Approvals.ApprovalRequestedEvent.From(waiting, outcome.Request!, settings)
            : null,
    };

    private static void Log(StructuredLog log, IntakeOutcome outcome, ValidationResult result)
    {
        if (outcome.Duplicate)
        {
            log.Count("DuplicateDeliveries");
            log.Info("duplicate delivery: the request is already in the ledger");
        }
        else if (result.Accepted)
        {
            log.Info("request accepted");
        }
        else if (result.ApprovalRequested is not null)
        {
            log.Count("ApprovalsRequested");
            log.Info("request awaits approval", ("approvals", result.ApprovalRequested.Approvers.Count));
        }
        else
        {
            CountRejection(log, outcome.Reasons);
            log.Warn("request rejected", ("reasons", string.Join("; ", outcome.Reasons)));
        }
    }

    /// <summary>
    /// <c>RequestsRejected</c> and one <c>RequestsRejectedByCode</c> per distinct code, so the dashboard
    /// shows rejections by code; also for requests rejected at approval (<c>RecordApprovalDecision</c>).
    /// </summary>
    internal static void CountRejection(StructuredLog log, IEnumerable<Reason> reasons)
    {
        log.Count("RequestsRejected");
        foreach (var code in reasons.Select(r => r.Code).Distinct())
        {
            log.CountBy("RequestsRejectedByCode", "Code", code);
        }
    }

    internal static RejectionEvent Rejection(PeeringRequest? request, IReadOnlyList<Reason> reasons, JsonElement envelope) => new()
    {
        RequestId = request?.RequestId.Value ?? RawString(envelope, "detail", "requestId") ?? RawString(envelope, "id"),
        Requester = request is null ? RawSide(envelope, "requester") : SideRef.From(request.Requester),
        Accepter = request is null ? RawSide(envelope, "accepter") : SideRef.From(request.Accepter),
        Reasons = ReasonLimits.Apply(reasons),
        RequestedBy = request?.RequestedBy ?? RawString(envelope, "detail", "requestedBy"),
    };

    // For a request too malformed to parse, still name the sides as far as they can be read,
    // so whoever receives the rejection can tell which request it was.
    private static SideRef? RawSide(JsonElement envelope, string side) =>
        Navigate(envelope, "detail", side) is { ValueKind: JsonValueKind.Object } element
            ? new SideRef(RawString(element, "accountId"), RawString(element, "region"), RawString(element, "vpcId"))
            : null;

    private static string? RawString(JsonElement element, params string[] path) =>
        Navigate(element, path) is { ValueKind: JsonValueKind.String } value ? ReasonLimits.Echo(value.GetString()!) : null;

    private static JsonElement? Navigate(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }
        return element;
    }
}

/// <summary>
/// The provisioning workflow's first input: <c>{"event": &lt;the EventBridge event&gt;, "executionArn": …}</c>
/// (a Pass state adds the execution, which owns the ledger claim). A bare event is accepted too.
/// </summary>
public static class IntakeInput
{
    public static (JsonElement Envelope, string? ExecutionArn) Of(JsonElement input) =>
        input.ValueKind == JsonValueKind.Object && input.TryGetProperty("event", out var envelope)
            ? (envelope, input.TryGetProperty("executionArn", out var arn) && arn.ValueKind == JsonValueKind.String ? arn.GetString() : null)
            : (input, null);
}
