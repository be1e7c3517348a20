using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Requests;

// The Peering Requested detail: README, "Event contract".
public sealed partial class RequestParser
{
    /// <summary>Tags a team may set: AWS allows 50 per resource and the automation keeps 10 for its own.</summary>
    public const int MaxUserTags = 40;

    /// <summary>Route tables a side may name: AWS allows 200 per VPC.</summary>
    public const int MaxRouteTableIds = 200;

    /// <summary>Ingress rules a side may ask for: AWS allows 60 inbound rules per security group.</summary>
    public const int MaxIngressRules = 60;

    /// <summary>Destinations a request may route to: a route table holds 50 routes per address family by default.</summary>
    public const int MaxDestinationCidrs = 50;

    /// <summary>How far ahead <c>expiresAt</c> may be: a year, plus a day for leap years.</summary>
    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(366);

    // AWS rejects tag keys starting with aws: in any letter case; ours mark what the automation manages.
    private static readonly string[] ReservedTagPrefixes = ["aws:", "peering-automation:"];

    private static readonly string[] PeeringFields =
        ["requestId", "requester", "accepter", "destinationCidrs", "allowDnsResolution", "expiresAt", "tags", "requestedBy"];

    private static readonly string[] SideFields = ["accountId", "region", "vpcId", "routeTableIds", "ingressFromPeer"];

    private static readonly string[] IngressFields = ["securityGroupId", "protocol", "fromPort", "toPort"];

    /// <summary>Protocols as written in the event, mapped to EC2's IpProtocol.</summary>
    private static readonly Dictionary<string, string> Protocols = new(StringComparer.Ordinal)
    {
        ["tcp"] = "tcp",
        ["udp"] = "udp",
        ["icmp"] = "icmp",
        ["icmpv6"] = "icmpv6",
        ["-1"] = "-1",
        ["all"] = "-1",
    };

    private PeeringRequest? ParsePeeringDetail(JsonElement detail, JsonElement? eventId, ReasonList reasons)
    {
        if (JsonFields.Open(detail, "", PeeringFields, reasons) is not { } fields)
        {
            return null;
        }
        var requestId = ParseRequestId(fields, eventId, reasons);
        var requester = fields.Required("requester") is { } r ? ParseSide(r, "requester", reasons) : null;
        var accepter = fields.Required("accepter") is { } a ? ParseSide(a, "accepter", reasons) : null;
        if (requester is not null && accepter is not null && requester.Info == accepter.Info)
        {
            reasons.Invalid("accepter", $"is the same VPC as requester ({accepter.VpcId} in {accepter.Scope}): a VPC cannot be peered with itself");
        }
        var destinationCidrs = fields.Optional("destinationCidrs") is { } d
            ? ParseDestinationCidrs(d, fields.PathOf("destinationCidrs"), reasons)
            : null;
        var allowDns = fields.OptionalBoolean("allowDnsResolution") ?? false;
        var expiresAt = fields.Optional("expiresAt") is { } e ? ParseExpiresAt(e, fields.PathOf("expiresAt"), reasons) : null;
        var tags = fields.Optional("tags") is { } t
            ? ParseTags(t, fields.PathOf("tags"), reasons)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var requestedBy = ParseRequestedBy(fields, reasons);

        if (reasons.Any || requestId is not { } id || requester is null || accepter is null || tags is null)
        {
            return null;
        }
        return new PeeringRequest
        {
            RequestId = id,
            Requester = requester,
            Accepter = accepter,
            DestinationCidrs = destinationCidrs,
            AllowDnsResolution = allowDns,
            ExpiresAt = expiresAt,
            Tags = tags,
            RequestedBy = requestedBy,
        };
    }

    /// <summary>
    /// The request id is the idempotency key. Without one, the event id stands in: that guards
    /// against EventBridge delivering the same event twice, though not against a sender that
    /// retries PutEvents (each call makes a new event id), which is why senders should set one.
    /// </summary>
    private static RequestId? ParseRequestId(JsonFields fields, JsonElement? eventId, ReasonList reasons)
    {
        if (fields.Has("requestId"))
        {
            return fields.OptionalId<RequestId>("requestId");
        }
        if (eventId is { ValueKind: JsonValueKind.String } idText
            && Identifier.TryParse<RequestId>(idText.GetString(), out var fromEvent, out _))
        {
            return fromEvent;
        }
        reasons.Invalid("requestId", eventId is { ValueKind: JsonValueKind.String } text
            ? $"is absent and the event id cannot stand in for it ({JsonText.Quote(text.GetString() ?? "")} is not {RequestId.Expected}); set requestId"
            : $"is absent and the event has no id to stand in for it (got {(eventId is { } other ? JsonText.Describe(other) : "none")}); set requestId");
        return null;
    }

    private static PeeringSideRequest? ParseSide(JsonElement element, string path, ReasonList reasons)
    {
        if (JsonFields.Open(element, path, SideFields, reasons) is not { } side)
        {
            return null;
        }
        var accountId = side.RequiredId<AccountId>("accountId");
        var region = side.RequiredId<AwsRegion>("region");
        var vpcId = side.RequiredId<VpcId>("vpcId");

        // Null or absent means every route table; an empty list would mean "no routes", which is
        // a peering that carries no traffic, and is far more likely a mistake than a wish.
        var routeTableIds = side.Optional("routeTableIds") is { } rtbs
            ? JsonValues.IdArray<RouteTableId>(rtbs, side.PathOf("routeTableIds"), reasons,
                whenEmpty: "must not be empty: omit routeTableIds (or set it to null) to route from every route table of the VPC",
                max: MaxRouteTableIds)
            : null;

        IReadOnlyList<IngressRequest>? ingress = [];
        if (side.Optional("ingressFromPeer") is { } rules)
        {
            ingress = ParseIngressList(rules, side.PathOf("ingressFromPeer"), reasons);
        }

        if (accountId is not { } account || region is not { } reg || vpcId is not { } vpc || ingress is null
            || (side.Has("routeTableIds") && routeTableIds is null))
        {
            return null;
        }
        return new PeeringSideRequest
        {
            AccountId = account,
            Region = reg,
            VpcId = vpc,
            RouteTableIds = routeTableIds,
            IngressFromPeer = ingress,
        };
    }

    private static IReadOnlyList<IngressRequest>? ParseIngressList(JsonElement element, string path, ReasonList reasons)
    {
        if (JsonValues.Array(element, path, reasons, MaxIngressRules) is not { } items)
        {
            return null;
        }
        var rules = new List<IngressRequest>(items.Count);
        var firstIndex = new Dictionary<IngressRequest, int>();
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var at = JsonText.Index(path, i);
            if (ParseIngress(items[i], at, reasons) is not { } rule)
            {
                ok = false;
                continue;
            }
            // EC2 refuses a duplicate permission (InvalidPermission.Duplicate) half-way through
            // configuring; catch it here, where the fix is obvious.
            if (!firstIndex.TryAdd(rule, i))
            {
                reasons.Invalid(at, $"duplicates {JsonText.Index(path, firstIndex[rule])} (same securityGroupId, protocol and ports)");
                ok = false;
                continue;
            }
            rules.Add(rule);
        }
        return ok ? rules : null;
    }

    private static IngressRequest? ParseIngress(JsonElement element, string path, ReasonList reasons)
    {
        if (JsonFields.Open(element, path, IngressFields, reasons) is not { } rule)
        {
            return null;
        }
        var groupId = rule.RequiredId<SecurityGroupId>("securityGroupId");
        var protocol = ParseProtocol(rule, reasons);
        var fromPath = rule.PathOf("fromPort");
        var toPath = rule.PathOf("toPort");
        var from = rule.OptionalInteger("fromPort");
        var to = rule.OptionalInteger("toPort");
        // A port that is present but mistyped has been reported already; do not also call it missing.
        var fromGiven = rule.Has("fromPort");
        var toGiven = rule.Has("toPort");

        int? fromPort = null, toPort = null;
        switch (protocol)
        {
            case "tcp" or "udp":
                fromPort = PortInRange(from, fromGiven, fromPath, protocol, reasons);
                toPort = PortInRange(to, toGiven, toPath, protocol, reasons);
                if (fromPort > toPort)
                {
                    reasons.Invalid(fromPath, $"must not be greater than toPort ({toPort}), got {fromPort}");
                }
                break;
            case "icmp" or "icmpv6":
                // For ICMP, EC2 reuses the port fields: fromPort is the type and toPort the code.
                fromPort = IcmpValue(from, fromGiven, fromPath, protocol, "type", reasons);
                toPort = IcmpValue(to, toGiven, toPath, protocol, "code", reasons);
                if (fromPort == -1 && toPort is not null and not -1)
                {
                    reasons.Invalid(toPath, $"must be -1 (all codes) when fromPort, the ICMP type, is -1 (all types), got {toPort}");
                }
                break;
            case "-1":
                // All traffic has no ports; a port here suggests the sender thinks it is narrower than it is.
                fromPort = AllTrafficPort(from, fromPath, reasons);
                toPort = AllTrafficPort(to, toPath, reasons);
                break;
            default:
                // The protocol is wrong, but a port no protocol allows is worth saying now too.
                OutsideEveryProtocol(from, fromPath, reasons);
                OutsideEveryProtocol(to, toPath, reasons);
                break;
        }

        if (groupId is not { } group || protocol is null || fromPort is not { } f || toPort is not { } t)
        {
            return null;
        }
        return new IngressRequest { SecurityGroupId = group, Protocol = protocol, FromPort = f, ToPort = t };
    }

    private static string? ParseProtocol(JsonFields rule, ReasonList reasons)
    {
        if (rule.RequiredString("protocol") is not { } text)
        {
            return null;
        }
        if (Protocols.TryGetValue(text, out var protocol))
        {
            return protocol;
        }
        var lower = text.ToLowerInvariant();
        reasons.Invalid(rule.PathOf("protocol"), Protocols.ContainsKey(lower)
            ? $"must be lowercase: use '{lower}', got {JsonText.Quote(text)}"
            : $"must be one of tcp, udp, icmp, icmpv6, or -1 / all for all traffic, got {JsonText.Quote(text)}");
        return null;
    }

    private static int? PortInRange(long? port, bool given, string path, string protocol, ReasonList reasons)
    {
        if (port is not { } value)
        {
            if (!given)
            {
                reasons.Invalid(path, $"is required for protocol '{protocol}' (a port number 0-65535)");
            }
            return null;
        }
        if (value is < 0 or > 65535)
        {
            reasons.Invalid(path, $"must be 0-65535, got {value}");
            return null;
        }
        return (int)value;
    }

    private static int? IcmpValue(long? value, bool given, string path, string protocol, string what, ReasonList reasons)
    {
        if (value is not { } v)
        {
            if (!given)
            {
                reasons.Invalid(path, $"is required for protocol '{protocol}': the ICMP {what} (-1 for all, or 0-255)");
            }
            return null;
        }
        if (v is < -1 or > 255)
        {
            reasons.Invalid(path, $"must be an ICMP {what}: -1 for all, or 0-255, got {v}");
            return null;
        }
        return (int)v;
    }

    private static void OutsideEveryProtocol(long? value, string path, ReasonList reasons)
    {
        if (value is < -1 or > 65535)
        {
            reasons.Invalid(path, $"must be 0-65535, got {value}");
        }
    }

    private static int? AllTrafficPort(long? value, string path, ReasonList reasons)
    {
        if (value is null or -1)
        {
            return -1;
        }
        reasons.Invalid(path, $"must be omitted or -1 for all traffic (protocol -1 opens every port), got {value}");
        return null;
    }

    private static IReadOnlyList<Cidr>? ParseDestinationCidrs(JsonElement element, string path, ReasonList reasons)
    {
        if (JsonValues.Array(element, path, reasons, MaxDestinationCidrs) is not { } items)
        {
            return null;
        }
        if (items.Count == 0)
        {
            reasons.Invalid(path, "must not be empty: omit destinationCidrs (or set it to null) to route to every CIDR block of the peer VPC");
            return null;
        }
        var cidrs = new List<Cidr>(items.Count);
        var firstIndex = new Dictionary<Cidr, int>();
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var at = JsonText.Index(path, i);
            if (ParseDestinationCidr(items[i], at, reasons) is not { } cidr)
            {
                ok = false;
                continue;
            }
            // Compared in canonical form, so 2001:DB8::/32 and 2001:db8::/32 are the same block.
            if (!firstIndex.TryAdd(cidr, i))
            {
                reasons.Invalid(at, $"{cidr} duplicates {JsonText.Index(path, firstIndex[cidr])}; list each block once");
                ok = false;
                continue;
            }
            cidrs.Add(cidr);
        }
        return ok ? cidrs : null;
    }

    private static Cidr? ParseDestinationCidr(JsonElement element, string at, ReasonList reasons)
    {
        if (JsonValues.String(element, at, reasons) is not { } text)
        {
            return null;
        }
        // The longest CIDR is an IPv6 address with an embedded IPv4 tail and /128 (49
        // characters); anything longer is not worth parsing or echoing in full.
        if (text.Length > 64)
        {
            reasons.Invalid(at, $"{JsonText.Quote(text)} is not a CIDR block");
            return null;
        }
        if (!Cidr.TryParse(text, out var cidr, out var error))
        {
            reasons.Invalid(at, error);
            return null;
        }
        if (cidr.IsDefaultRoute)
        {
            reasons.Add(ReasonCodes.TransitiveRouting, at,
                $"{cidr} is a default route: VPC peering is not transitive, so traffic cannot reach the internet, a VPN, "
                + "Direct Connect or another VPC through the peer VPC (edge-to-edge routing); list blocks inside the peer "
                + "VPC's CIDR blocks, or omit destinationCidrs to route to all of them");
            return null;
        }
        // No VPC block is wider than /16 (IPv4) or /44 (IPv6), so a wider destination can never
        // lie inside the peer VPC: it is a transit route whatever the peer looks like.
        var widest = cidr.Family == IpFamily.IPv4 ? 16 : 44;
        if (cidr.PrefixLength < widest)
        {
            reasons.Add(ReasonCodes.TransitiveRouting, at,
                $"{cidr} is wider than any VPC CIDR block can be (/{widest}), so it reaches beyond the peer VPC, and VPC "
                + "peering is not transitive; list blocks inside the peer VPC's CIDR blocks");
            return null;
        }
        return cidr;
    }

    private DateTimeOffset? ParseExpiresAt(JsonElement element, string path, ReasonList reasons)
    {
        if (JsonValues.String(element, path, reasons) is not { } text)
        {
            return null;
        }
        // RFC 3339 in UTC only: a local offset invites off-by-hours teardowns, and the lenient
        // .NET parser would accept "12/24/2026" or a date without a time.
        if (!Rfc3339Utc().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var expiresAt))
        {
            reasons.Invalid(path, $"must be an RFC 3339 UTC timestamp such as 2026-12-24T00:00:00Z, got {JsonText.Quote(text)}");
            return null;
        }
        var now = clock.GetUtcNow();
        if (expiresAt <= now)
        {
            reasons.Invalid(path, $"must be in the future (now is {Format(now)}), got {Format(expiresAt)}");
            return null;
        }
        if (expiresAt > now + MaxExpiry)
        {
            reasons.Invalid(path, $"must be at most {MaxExpiry.TotalDays:0} days ahead (no later than {Format(now + MaxExpiry)}), got {Format(expiresAt)}");
            return null;
        }
        return expiresAt;
    }

    private static string Format(DateTimeOffset time) => Ledger.LedgerTime.Of(time);

    private static Dictionary<string, string>? ParseTags(JsonElement element, string path, ReasonList reasons)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reasons.Invalid(path, $"must be an object of tag keys to string values, got {JsonText.Describe(element)}");
            return null;
        }
        // Counted before any tag is judged, for the same reason as the arrays' caps.
        var count = element.EnumerateObject().Count();
        if (count > MaxUserTags)
        {
            reasons.Invalid(path, $"must have at most {MaxUserTags} tags (AWS allows 50 per resource and the automation keeps 10 for its own), got {count}");
            return null;
        }
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ok = true;
        foreach (var property in element.EnumerateObject())
        {
            var key = property.Name;
            var at = JsonText.Member(path, key);
            if (!seen.Add(key))
            {
                reasons.Invalid(at, "is given more than once; give each tag once");
                ok = false;
                continue;
            }
            // AWS counts tag lengths in Unicode characters, not UTF-16 units.
            var keyLength = key.EnumerateRunes().Count();
            if (keyLength is < 1 or > 128)
            {
                reasons.Invalid(at, $"a tag key must be 1-128 characters, got {keyLength}");
                ok = false;
            }
            if (ReservedTagPrefixes.FirstOrDefault(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)) is { } prefix)
            {
                reasons.Invalid(at, prefix == "aws:"
                    ? "tag keys starting with 'aws:' are reserved by AWS"
                    : "tag keys starting with 'peering-automation:' are reserved for the automation's own tags, which mark what it manages");
                ok = false;
            }
            if (JsonValues.String(property.Value, at, reasons) is not { } value)
            {
                ok = false;
                continue;
            }
            var valueLength = value.EnumerateRunes().Count();
            if (valueLength > 256)
            {
                reasons.Invalid(at, $"a tag value must be at most 256 characters, got {valueLength}");
                ok = false;
            }
            tags[key] = value;
        }
        return ok ? tags : null;
    }

    private static string? ParseRequestedBy(JsonFields fields, ReasonList reasons)
    {
        if (fields.OptionalString("requestedBy") is not { } requestedBy)
        {
            return null;
        }
        var length = requestedBy.EnumerateRunes().Count();
        if (length > 256)
        {
            reasons.Invalid(fields.PathOf("requestedBy"), $"must be at most 256 characters, got {length}");
            return null;
        }
        return requestedBy.Length == 0 ? null : requestedBy;
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(Z|\+00:00)\z")]
    private static partial Regex Rfc3339Utc();
}
