using System.Text.Json;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Provisioning;

/// <summary>
/// First step of ProvisionPeering: parses the <c>Peering Requested</c> event, reads both sides in
/// their own accounts and regions, and validates. A refusal is a normal result (with the
/// rejection event detail), not an error: only AWS trouble makes this step fail.
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
        using var envelope = await JsonDocument.ParseAsync(input, RequestParser.EventDocumentOptions);
        var log = new StructuredLog(Step);
        var result = await ValidateAsync(envelope.RootElement, log, CancellationToken.None);
        if (result.Accepted)
        {
            log.Info("request accepted");
        }
        else
        {
            log.Count("RequestsRejected");
            log.Warn("request rejected", ("reasons", string.Join("; ", result.Outcome!.Reasons)));
        }
        return await FunctionJson.SerializeAsync(result, PeeringJsonContext.Default.ValidationResult);
    }

    private async Task<ValidationResult> ValidateAsync(JsonElement envelope, StructuredLog log, CancellationToken ct)
    {
        var parsed = Services.Parser.ParsePeeringRequested(envelope);
        if (!parsed.IsValid)
        {
            return Rejected(null, parsed.Reasons, envelope);
        }
        var request = parsed.Value;
        log.RequestId = request.RequestId.Value;
        var scopeReasons = Services.Validator.CheckScope(request);
        if (scopeReasons.Count > 0)
        {
            return Rejected(request, scopeReasons, envelope);
        }
        var requester = Services.Snapshots.ReadAsync(request.Requester, ct);
        var accepter = Services.Snapshots.ReadAsync(request.Accepter, ct);
        var outcome = Services.Validator.Validate(request, await requester, await accepter);
        return outcome.IsAccepted
            ? new ValidationResult { Accepted = true, Request = request, Plan = outcome.Plan }
            : Rejected(request, outcome.Reasons, envelope);
    }

    private static ValidationResult Rejected(PeeringRequest? request, IReadOnlyList<Reason> reasons, JsonElement envelope) =>
        new()
        {
            Accepted = false,
            Request = request,
            Outcome = new RejectionEvent
            {
                RequestId = request?.RequestId.Value ?? RawString(envelope, "detail", "requestId") ?? RawString(envelope, "id"),
                Requester = request is null ? RawSide(envelope, "requester") : SideRef.From(request.Requester),
                Accepter = request is null ? RawSide(envelope, "accepter") : SideRef.From(request.Accepter),
                Reasons = ReasonLimits.Apply(reasons),
                RequestedBy = request?.RequestedBy ?? RawString(envelope, "detail", "requestedBy"),
            },
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
