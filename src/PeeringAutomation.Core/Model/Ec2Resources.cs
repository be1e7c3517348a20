using System.Text.Json.Serialization;

namespace PeeringAutomation.Core.Model;

/// <summary>Where a resource lives: one account in one region.</summary>
public sealed record AccountRegion(AccountId Account, AwsRegion Region)
{
    public override string ToString() => $"{Account}/{Region}";
}

/// <summary>A VPC as seen from its owner's account, with only its associated CIDR blocks.</summary>
public sealed record Vpc
{
    public required VpcId Id { get; init; }

    public required AccountId OwnerId { get; init; }

    /// <summary><c>available</c> or <c>pending</c>.</summary>
    public required string State { get; init; }

    /// <summary>Primary and secondary IPv4 blocks in state <c>associated</c>.</summary>
    public required IReadOnlyList<Cidr> Ipv4Blocks { get; init; }

    /// <summary>IPv6 blocks in state <c>associated</c>.</summary>
    public required IReadOnlyList<Cidr> Ipv6Blocks { get; init; }

    /// <summary>The VPC's tags as its owner's account sees them (the owner alone can set them).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    [JsonIgnore]
    public IEnumerable<Cidr> AllBlocks => Ipv4Blocks.Concat(Ipv6Blocks);
}

/// <summary>
/// A VPC where it lives: account, region and VPC id. The one shape of a peering side everywhere
/// (requests, plans, the ledger, removal reports, findings' subjects); events spell it <c>{accountId, region, vpcId}</c>.
/// </summary>
public sealed record PeeringSideInfo(AccountId Account, AwsRegion Region, VpcId VpcId)
{
    /// <summary>The account and region the VPC lives in (where its gateway is).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public AccountRegion Scope => new(Account, Region);
}

/// <summary>Peering connection states as EC2 spells them.</summary>
public static class PeeringStatus
{
    public const string InitiatingRequest = "initiating-request";
    public const string PendingAcceptance = "pending-acceptance";
    public const string Provisioning = "provisioning";
    public const string Active = "active";
    public const string Deleting = "deleting";
    public const string Deleted = "deleted";
    public const string Rejected = "rejected";
    public const string Failed = "failed";
    public const string Expired = "expired";

    /// <summary>States in which the connection still exists or is becoming active.</summary>
    public static bool IsLive(string status) =>
        status is InitiatingRequest or PendingAcceptance or Provisioning or Active;
}

/// <summary>A VPC peering connection as described in one account and region.</summary>
public sealed record PeeringConnection
{
    public required PeeringConnectionId Id { get; init; }

    public required string Status { get; init; }

    public required PeeringSideInfo Requester { get; init; }

    public required PeeringSideInfo Accepter { get; init; }

    /// <summary>Tags as read on the side that described it (AWS keeps tags per side).</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    public DateTimeOffset? ExpirationTime { get; init; }

    /// <summary>
    /// The requester VPC's CIDR blocks as the peering reports them (primary, secondary, IPv6).
    /// The only view of a VPC in an account we cannot enter; moto reports the primary block only.
    /// </summary>
    public IReadOnlyList<Cidr> RequesterBlocks { get; init; } = [];

    /// <summary>The accepter VPC's CIDR blocks as the peering reports them (see <see cref="RequesterBlocks"/>).</summary>
    public IReadOnlyList<Cidr> AccepterBlocks { get; init; } = [];

    public bool Connects(VpcId a, VpcId b) =>
        (Requester.VpcId == a && Accepter.VpcId == b) || (Requester.VpcId == b && Accepter.VpcId == a);
}

/// <summary>What a route sends its traffic to.</summary>
public enum RouteTargetKind
{
    Local,
    PeeringConnection,
    InternetGateway,
    TransitGateway,
    NatGateway,
    VpcEndpoint,
    NetworkInterface,
    Other,
}

/// <summary>A route in a route table; <see cref="State"/> is <c>active</c> or <c>blackhole</c>.</summary>
public sealed record Route(Cidr Destination, RouteTargetKind TargetKind, string TargetId, string State);

/// <summary>A route table with its routes.</summary>
public sealed record RouteTable
{
    public required RouteTableId Id { get; init; }

    public required VpcId VpcId { get; init; }

    public required bool IsMain { get; init; }

    public required IReadOnlyList<Route> Routes { get; init; }

    /// <summary>Subnets explicitly associated with the table (a main table also serves every subnet no table names).</summary>
    public IReadOnlyList<string> SubnetIds { get; init; } = [];
}

/// <summary>
/// One ingress permission for one source: a CIDR block or a security group (possibly in another
/// account). <see cref="Protocol"/> is <c>tcp</c>, <c>udp</c>, <c>icmp</c>, <c>icmpv6</c> or <c>-1</c>.
/// </summary>
public sealed record IngressPermission
{
    public required string Protocol { get; init; }

    public required int FromPort { get; init; }

    public required int ToPort { get; init; }

    public Cidr? SourceCidr { get; init; }

    public SecurityGroupReference? SourceGroup { get; init; }

    public string? Description { get; init; }

    /// <summary>Same protocol, ports and source, whatever the description.</summary>
    public bool SameRuleAs(IngressPermission other) =>
        Protocol == other.Protocol && FromPort == other.FromPort && ToPort == other.ToPort
        && SourceCidr == other.SourceCidr && SourceGroup == other.SourceGroup;
}

/// <summary>A security group referenced from a rule, in the same or another account (same region only).</summary>
public sealed record SecurityGroupReference(AccountId Account, SecurityGroupId GroupId)
{
    public override string ToString() => $"{Account}/{GroupId}";
}

/// <summary>A security group with its inbound rules.</summary>
public sealed record SecurityGroup
{
    public required SecurityGroupId Id { get; init; }

    public required VpcId VpcId { get; init; }

    public required AccountId OwnerId { get; init; }

    public required IReadOnlyList<IngressPermission> Ingress { get; init; }
}

/// <summary>A flow log on some resource (VPC, subnet or interface).</summary>
public sealed record FlowLog(string Id, string ResourceId, string Status, string TrafficType);
