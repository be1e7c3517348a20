using System.Text.Json.Serialization;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Requests;

/// <summary>A problem with a request or a refusal, as carried in events: a code and a readable message.</summary>
public sealed record Reason(string Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>The refusal codes of the public contract (README "Event contract", rejection codes; stable: scripts rely on them).</summary>
public static class ReasonCodes
{
    public const string InvalidRequest = "InvalidRequest";
    public const string AccountNotAllowed = "AccountNotAllowed";
    public const string RegionNotManaged = "RegionNotManaged";
    public const string VpcNotFound = "VpcNotFound";
    public const string CidrOverlap = "CidrOverlap";
    public const string TransitiveRouting = "TransitiveRouting";
    public const string DuplicatePeering = "DuplicatePeering";
    public const string PeeringQuotaExceeded = "PeeringQuotaExceeded";
    public const string RouteQuotaExceeded = "RouteQuotaExceeded";
    public const string RuleQuotaExceeded = "RuleQuotaExceeded";
    public const string RouteConflict = "RouteConflict";
    public const string RuleConflict = "RuleConflict";
    public const string SecurityGroupNotInVpc = "SecurityGroupNotInVpc";
    public const string TrafficNotAllowed = "TrafficNotAllowed";
    public const string PeeringNotFound = "PeeringNotFound";
    public const string PeeringNotManaged = "PeeringNotManaged";
    public const string RequestIdReused = "RequestIdReused";
    public const string RequesterNotAuthorized = "RequesterNotAuthorized";
    public const string AccepterConsentRequired = "AccepterConsentRequired";
    public const string PeeringNotLive = "PeeringNotLive";
    public const string PeeringNotProvisioned = "PeeringNotProvisioned";
    public const string PeeringNotActive = "PeeringNotActive";
    public const string ChangeIdReused = "ChangeIdReused";
    public const string ChangeRolledBack = "ChangeRolledBack";
}

/// <summary>An ingress rule asked for on one side: allow this traffic from the peer VPC.</summary>
public sealed record IngressRequest
{
    public required SecurityGroupId SecurityGroupId { get; init; }

    /// <summary><c>tcp</c>, <c>udp</c>, <c>icmp</c>, <c>icmpv6</c> or <c>-1</c> (all traffic).</summary>
    public required string Protocol { get; init; }

    /// <summary>For ICMP the type (-1 = all); for all traffic -1.</summary>
    public required int FromPort { get; init; }

    /// <summary>For ICMP the code (-1 = all); for all traffic -1.</summary>
    public required int ToPort { get; init; }
}

/// <summary>
/// One side of a <c>Peering Requested</c> event: the VPC (<see cref="Info"/>, serialised flat as the event
/// spells it) and what the request asks on that side (route tables, ingress).
/// </summary>
public sealed record PeeringSideRequest
{
    public required AccountId AccountId { get; init; }

    public required AwsRegion Region { get; init; }

    public required VpcId VpcId { get; init; }

    /// <summary>Null means every route table of the VPC.</summary>
    public IReadOnlyList<RouteTableId>? RouteTableIds { get; init; }

    public IReadOnlyList<IngressRequest> IngressFromPeer { get; init; } = [];

    [JsonIgnore]
    public PeeringSideInfo Info => new(AccountId, Region, VpcId);

    [JsonIgnore]
    public AccountRegion Scope => Info.Scope;
}

/// <summary>The detail of a <c>Peering Requested</c> event, validated for shape (not yet against AWS).</summary>
public sealed record PeeringRequest
{
    public required RequestId RequestId { get; init; }

    public required PeeringSideRequest Requester { get; init; }

    public required PeeringSideRequest Accepter { get; init; }

    /// <summary>Null means every CIDR block of the peer VPC.</summary>
    public IReadOnlyList<Cidr>? DestinationCidrs { get; init; }

    public bool AllowDnsResolution { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public string? RequestedBy { get; init; }

    [JsonIgnore]
    public bool IsCrossRegion => Requester.Region != Accepter.Region;
}

/// <summary>The detail of a <c>Peering Teardown Requested</c> event: by request id, or by peering id with the requester's scope.</summary>
public sealed record TeardownRequest
{
    public RequestId? RequestId { get; init; }

    public PeeringConnectionId? VpcPeeringConnectionId { get; init; }

    public AccountId? AccountId { get; init; }

    public AwsRegion? Region { get; init; }
}

/// <summary>The detail of a <c>Compliance Check Requested</c> event; empty lists mean "all managed".</summary>
public sealed record ComplianceCheckRequest
{
    public IReadOnlyList<AccountId> AccountIds { get; init; } = [];

    public IReadOnlyList<AwsRegion> Regions { get; init; } = [];
}
