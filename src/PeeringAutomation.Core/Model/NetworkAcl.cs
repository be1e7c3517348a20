namespace PeeringAutomation.Core.Model;

/// <summary>
/// One network ACL entry as EC2 describes it: <c>Protocol</c> is a number as text (<c>-1</c> all,
/// <c>6</c> TCP, <c>17</c> UDP, <c>1</c> ICMP, <c>58</c> ICMPv6); the port range is null when the
/// entry is not TCP/UDP (it then covers every port). <see cref="Block"/> is the IPv4
/// <c>CidrBlock</c> or the IPv6 <c>Ipv6CidrBlock</c>: the two families never match each other.
/// </summary>
public sealed record NetworkAclEntry(int RuleNumber, bool Egress, string Protocol, bool Allow, Cidr Block, int? FromPort = null, int? ToPort = null);

/// <summary>A network ACL with the subnets associated with it and its entries (both directions).</summary>
public sealed record NetworkAcl
{
    public required string Id { get; init; }

    public required VpcId VpcId { get; init; }

    public required bool IsDefault { get; init; }

    public required IReadOnlyList<string> SubnetIds { get; init; }

    public required IReadOnlyList<NetworkAclEntry> Entries { get; init; }
}
