using System.Text.Json;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Requests;

/// <summary>
/// Turns the EventBridge events that teams put on the bus into validated request records, or
/// into every reason they are refused. It checks shape only (types, formats, ranges, field
/// names, internal consistency); whether the VPCs exist, overlap or are allowed is for the
/// validator that runs against AWS afterwards.
/// </summary>
/// <remarks>
/// The JSON is walked by hand rather than deserialized so that one pass finds every problem,
/// names each by its path (<c>requester.ingressFromPeer[0].fromPort</c>) and refuses unknown
/// fields at every level. It never throws for bad input.
/// </remarks>
public sealed partial class RequestParser
{
    /// <summary>The <c>source</c> of every request event.</summary>
    public const string EventSource = "vpc-peering";

    /// <summary>The source of every event the automation puts (outcomes, findings, its own follow-up requests).</summary>
    public const string AutomationSource = "vpc-peering.automation";

    /// <summary>The <c>detail-type</c> of a provisioning request.</summary>
    public const string PeeringRequestedDetailType = "Peering Requested";

    /// <summary>The <c>detail-type</c> of a teardown request.</summary>
    public const string TeardownRequestedDetailType = "Peering Teardown Requested";

    /// <summary>The <c>detail-type</c> of an on-demand compliance sweep.</summary>
    public const string ComplianceCheckRequestedDetailType = "Compliance Check Requested";

    /// <summary>How deeply a request event may nest. The deepest valid one has 5 levels; 32 leaves room for mistakes worth explaining field by field.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// How to read an event before handing it to the parser: deep enough for any event
    /// EventBridge delivers (an event is at most 256 KB, so it cannot nest deeper than that many
    /// levels; the reader keeps its nesting on a bit stack, not the call stack). A too-deep event
    /// must reach the parser and be refused as <c>InvalidRequest</c>: a parse exception in a
    /// handler would fail the workflow instead of rejecting the request.
    /// </summary>
    public static readonly JsonDocumentOptions EventDocumentOptions = new() { MaxDepth = 256 * 1024 };

    private readonly TimeProvider clock;

    /// <summary>A parser that judges <c>expiresAt</c> against the system clock.</summary>
    public RequestParser()
        : this(TimeProvider.System)
    {
    }

    /// <summary>A parser that judges <c>expiresAt</c> against <paramref name="clock"/>.</summary>
    public RequestParser(TimeProvider clock) => this.clock = clock ?? throw new ArgumentNullException(nameof(clock));

    /// <summary>Parses a <c>Peering Requested</c> EventBridge event.</summary>
    public RequestParseResult<PeeringRequest> ParsePeeringRequested(JsonElement envelope) =>
        Parse(envelope, PeeringRequestedDetailType, ParsePeeringDetail);

    /// <summary>Parses a <c>Peering Requested</c> EventBridge event given as JSON text.</summary>
    public RequestParseResult<PeeringRequest> ParsePeeringRequested(string json) =>
        ParseText(json, ParsePeeringRequested);

    /// <summary>Parses a <c>Peering Teardown Requested</c> EventBridge event.</summary>
    public RequestParseResult<TeardownRequest> ParseTeardownRequested(JsonElement envelope) =>
        Parse(envelope, TeardownRequestedDetailType, ParseTeardownDetail);

    /// <summary>Parses a <c>Peering Teardown Requested</c> EventBridge event given as JSON text.</summary>
    public RequestParseResult<TeardownRequest> ParseTeardownRequested(string json) =>
        ParseText(json, ParseTeardownRequested);

    /// <summary>Parses a <c>Compliance Check Requested</c> EventBridge event.</summary>
    public RequestParseResult<ComplianceCheckRequest> ParseComplianceCheckRequested(JsonElement envelope) =>
        Parse(envelope, ComplianceCheckRequestedDetailType, ParseComplianceDetail);

    /// <summary>
    /// Parses a <c>Compliance Check Requested</c> event that the automation itself put (source
    /// <see cref="AutomationSource"/>): the provisioning workflow asks for a check of a new peering's two sides.
    /// </summary>
    public RequestParseResult<ComplianceCheckRequest> ParseAutomationComplianceCheck(JsonElement envelope) =>
        Parse(envelope, ComplianceCheckRequestedDetailType, ParseComplianceDetail, AutomationSource);

    /// <summary>Parses a <c>Compliance Check Requested</c> EventBridge event given as JSON text.</summary>
    public RequestParseResult<ComplianceCheckRequest> ParseComplianceCheckRequested(string json) =>
        ParseText(json, ParseComplianceCheckRequested);

    private delegate T? DetailParser<T>(JsonElement detail, JsonElement? eventId, ReasonList reasons) where T : class;

    private static RequestParseResult<T> ParseText<T>(string? json, Func<JsonElement, RequestParseResult<T>> parse)
        where T : class
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return RequestParseResult<T>.Failure([new Reason(ReasonCodes.InvalidRequest, "event: is empty")]);
        }
        try
        {
            // The records keep no JsonElement, so the document can go once parsing is done.
            using var document = EventJson.Parse(json);
            return parse(document.RootElement);
        }
        catch (JsonException e)
        {
            return RequestParseResult<T>.Failure([new Reason(ReasonCodes.InvalidRequest, $"event: is not valid JSON: {e.Message}")]);
        }
    }

    /// <summary>
    /// Checks the envelope, then the detail. Both are checked even when the envelope is wrong,
    /// so the sender sees every problem at once.
    /// </summary>
    private static RequestParseResult<T> Parse<T>(JsonElement envelope, string detailType, DetailParser<T> parseDetail, string source = EventSource)
        where T : class
    {
        var reasons = new ReasonList();
        T? request = null;
        if (JsonText.DepthExceeds(envelope, MaxDepth))
        {
            // Nothing inside is walked: the parser and the rejection both stay shallow.
            return RequestParseResult<T>.Failure([new Reason(ReasonCodes.InvalidRequest,
                $"event: is nested deeper than {MaxDepth} levels; a {detailType} event needs at most 5")]);
        }
        if (envelope.ValueKind != JsonValueKind.Object)
        {
            reasons.Invalid("event", $"must be an EventBridge event (a JSON object), got {JsonText.Describe(envelope)}");
        }
        else
        {
            // Unknown envelope fields are fine: EventBridge owns the envelope and adds fields
            // (replay-name, for one). Only the detail is the team's, and only it is strict.
            ExpectText(envelope, "source", source, reasons);
            ExpectText(envelope, "detail-type", detailType, reasons);
            JsonElement? eventId = envelope.TryGetProperty("id", out var id) ? id : null;
            if (!envelope.TryGetProperty("detail", out var detail))
            {
                reasons.Invalid("detail", "is required (the request itself, a JSON object)");
            }
            else if (detail.ValueKind != JsonValueKind.Object)
            {
                reasons.Invalid("detail", $"must be an object, got {JsonText.Describe(detail)}");
            }
            else
            {
                request = parseDetail(detail, eventId, reasons);
            }
        }
        if (!reasons.Any && request is not null)
        {
            return RequestParseResult<T>.Success(request);
        }
        var list = reasons.ToList();
        // A detail parser that returns null must have said why; this only guards against a bug
        // turning into an empty refusal.
        return RequestParseResult<T>.Failure(list.Count > 0 ? list : [new Reason(ReasonCodes.InvalidRequest, "detail: could not be parsed")]);
    }

    private static void ExpectText(JsonElement envelope, string name, string expected, ReasonList reasons)
    {
        if (!envelope.TryGetProperty(name, out var value))
        {
            reasons.Invalid(name, $"is required (expected '{expected}')");
        }
        else if (value.ValueKind != JsonValueKind.String || value.GetString() != expected)
        {
            reasons.Invalid(name, $"must be '{expected}', got {JsonText.Describe(value)}");
        }
    }

    private static readonly string[] TeardownFields = ["requestId", "vpcPeeringConnectionId", "accountId", "region"];

    private TeardownRequest? ParseTeardownDetail(JsonElement detail, JsonElement? eventId, ReasonList reasons)
    {
        if (JsonFields.Open(detail, "", TeardownFields, reasons) is not { } fields)
        {
            return null;
        }
        // The request id here names the peering to remove; unlike in Peering Requested it never
        // defaults to the event id, which would name nothing.
        var requestId = fields.OptionalId<RequestId>("requestId");
        var peeringId = fields.OptionalId<PeeringConnectionId>("vpcPeeringConnectionId");
        var accountId = fields.OptionalId<AccountId>("accountId");
        var region = fields.OptionalId<AwsRegion>("region");

        var byRequest = fields.Has("requestId");
        string[] peeringForm = ["vpcPeeringConnectionId", "accountId", "region"];
        var given = peeringForm.Where(fields.Has).ToArray();
        if (byRequest && given.Length > 0)
        {
            reasons.Invalid("detail", $"give either requestId, or vpcPeeringConnectionId with accountId and region, not both (got requestId and {string.Join(", ", given)})");
            return null;
        }
        if (!byRequest && given.Length == 0)
        {
            reasons.Invalid("detail", "says which peering to tear down: give requestId, or vpcPeeringConnectionId with the requester's accountId and region");
            return null;
        }
        if (!byRequest)
        {
            foreach (var missing in peeringForm.Except(given))
            {
                reasons.Invalid(missing, missing switch
                {
                    "vpcPeeringConnectionId" => $"is required with {string.Join(" and ", given)} (or give requestId alone instead)",
                    "accountId" => "is required with vpcPeeringConnectionId: the requester's account id",
                    _ => "is required with vpcPeeringConnectionId: the requester's region",
                });
            }
        }
        if (reasons.Any)
        {
            return null;
        }
        return new TeardownRequest
        {
            RequestId = requestId,
            VpcPeeringConnectionId = peeringId,
            AccountId = accountId,
            Region = region,
        };
    }

    private static readonly string[] ComplianceFields = ["accountIds", "regions"];

    /// <summary>Accounts one compliance request may name (an organisation has at most a few thousand).</summary>
    public const int MaxComplianceAccounts = 1000;

    /// <summary>Regions one compliance request may name (AWS has fewer than 50).</summary>
    public const int MaxComplianceRegions = 50;

    private ComplianceCheckRequest? ParseComplianceDetail(JsonElement detail, JsonElement? eventId, ReasonList reasons)
    {
        if (JsonFields.Open(detail, "", ComplianceFields, reasons) is not { } fields)
        {
            return null;
        }
        // Empty lists are allowed and mean "every managed one", the same as leaving them out.
        var accountIds = fields.Optional("accountIds") is { } accounts
            ? JsonValues.IdArray<AccountId>(accounts, fields.PathOf("accountIds"), reasons, whenEmpty: null, max: MaxComplianceAccounts)
            : [];
        var regions = fields.Optional("regions") is { } regionList
            ? JsonValues.IdArray<AwsRegion>(regionList, fields.PathOf("regions"), reasons, whenEmpty: null, max: MaxComplianceRegions)
            : [];
        if (reasons.Any || accountIds is null || regions is null)
        {
            return null;
        }
        return new ComplianceCheckRequest { AccountIds = accountIds, Regions = regions };
    }
}
