using System.Text.Json;
using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Requests;

public sealed partial class RequestParser
{
    /// <summary>The <c>detail-type</c> of a change of a live peering.</summary>
    public const string PeeringChangeRequestedDetailType = "Peering Change Requested";

    /// <summary>The <c>expiresAt</c> value that removes a peering's expiry.</summary>
    public const string NeverExpires = "never";

    private static readonly string[] ChangeFields =
        ["requestId", "changeId", "requester", "accepter", "destinationCidrs", "allowDnsResolution", "expiresAt", "requestedBy"];

    // The sides themselves are known from the request: a change may not move a peering to other VPCs.
    private static readonly string[] ChangeSideFields = ["routeTableIds", "ingressFromPeer"];

    /// <summary>Parses a <c>Peering Change Requested</c> EventBridge event.</summary>
    public RequestParseResult<PeeringChangeRequest> ParsePeeringChangeRequested(JsonElement envelope) =>
        Parse(envelope, PeeringChangeRequestedDetailType, ParseChangeDetail);

    /// <summary>Parses a <c>Peering Change Requested</c> EventBridge event given as JSON text.</summary>
    public RequestParseResult<PeeringChangeRequest> ParsePeeringChangeRequested(string json) =>
        ParseText(json, ParsePeeringChangeRequested);

    private PeeringChangeRequest? ParseChangeDetail(JsonElement detail, JsonElement? eventId, ReasonList reasons)
    {
        if (JsonFields.Open(detail, "", ChangeFields, reasons) is not { } fields)
        {
            return null;
        }
        // The request id names the peering to change: unlike in Peering Requested it never defaults.
        var requestId = fields.RequiredId<RequestId>("requestId");
        // The change id is the change's idempotency key; like a request id, it defaults to the event id.
        RequestId? changeId = null;
        if (fields.Has("changeId"))
        {
            changeId = fields.OptionalId<RequestId>("changeId");
        }
        else if (eventId is { ValueKind: JsonValueKind.String } idText
                 && Identifier.TryParse<RequestId>(idText.GetString(), out var fromEvent, out _))
        {
            changeId = fromEvent;
        }
        else
        {
            reasons.Invalid("changeId", "is absent and the event has no usable id to stand in for it; set changeId");
        }
        var requester = fields.Optional("requester") is { } r ? ParseChangeSide(r, "requester", reasons) : null;
        var accepter = fields.Optional("accepter") is { } a ? ParseChangeSide(a, "accepter", reasons) : null;

        IReadOnlyList<Cidr>? destinations = null;
        // Given as null means "every block of the peer VPC" again; left out keeps the current list.
        var destinationsGiven = detail.TryGetProperty("destinationCidrs", out _);
        if (fields.Optional("destinationCidrs") is { } d)
        {
            destinations = ParseDestinationCidrs(d, fields.PathOf("destinationCidrs"), reasons);
        }
        var allowDns = fields.OptionalBoolean("allowDnsResolution");
        ExpiryChange? expiry = null;
        if (fields.Optional("expiresAt") is { } e)
        {
            if (e.ValueKind == JsonValueKind.String && e.GetString() == NeverExpires)
            {
                expiry = new ExpiryChange(null);
            }
            else if (ParseExpiresAt(e, fields.PathOf("expiresAt"), reasons) is { } at)
            {
                expiry = new ExpiryChange(at);
            }
        }
        var requestedBy = ParseRequestedBy(fields, reasons);
        if (reasons.Any || requestId is not { } id || changeId is not { } change)
        {
            return null;
        }
        return new PeeringChangeRequest
        {
            RequestId = id,
            ChangeId = change,
            Requester = requester,
            Accepter = accepter,
            DestinationCidrsGiven = destinationsGiven,
            DestinationCidrs = destinations,
            AllowDnsResolution = allowDns,
            Expiry = expiry,
            RequestedBy = requestedBy,
        };
    }

    private static ChangeSide? ParseChangeSide(JsonElement element, string path, ReasonList reasons)
    {
        if (JsonFields.Open(element, path, ChangeSideFields, reasons) is not { } side)
        {
            return null;
        }
        var tablesGiven = element.TryGetProperty("routeTableIds", out _);
        var tables = side.Optional("routeTableIds") is { } rtbs
            ? JsonValues.IdArray<RouteTableId>(rtbs, side.PathOf("routeTableIds"), reasons,
                whenEmpty: "must not be empty: omit routeTableIds to keep the current tables, or set it to null for every route table of the VPC",
                max: MaxRouteTableIds)
            : null;
        var ingress = side.Optional("ingressFromPeer") is { } rules ? ParseIngressList(rules, side.PathOf("ingressFromPeer"), reasons) : null;
        return new ChangeSide
        {
            RouteTablesGiven = tablesGiven,
            RouteTableIds = tables,
            IngressFromPeer = ingress,
        };
    }
}
