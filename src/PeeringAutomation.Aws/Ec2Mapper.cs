using Amazon.EC2.Model;
using PeeringAutomation.Core.Model;
using Ec2Route = Amazon.EC2.Model.Route;
using Ec2RouteTable = Amazon.EC2.Model.RouteTable;
using Ec2SecurityGroup = Amazon.EC2.Model.SecurityGroup;
using Ec2Vpc = Amazon.EC2.Model.Vpc;
using Ec2FlowLog = Amazon.EC2.Model.FlowLog;
using DomainRoute = PeeringAutomation.Core.Model.Route;
using DomainRouteTable = PeeringAutomation.Core.Model.RouteTable;
using DomainSecurityGroup = PeeringAutomation.Core.Model.SecurityGroup;
using DomainVpc = PeeringAutomation.Core.Model.Vpc;
using DomainFlowLog = PeeringAutomation.Core.Model.FlowLog;
using SecurityGroupReference = PeeringAutomation.Core.Model.SecurityGroupReference;

namespace PeeringAutomation.Aws;

/// <summary>
/// SDK shapes → Core records. AWSSDK v4 leaves empty collections null and value members nullable,
/// so every read here tolerates null and the records that come out are complete and non-null.
/// </summary>
internal static class Ec2Mapper
{
    private const string Associated = "associated";

    /// <summary>Ports EC2 leaves out mean "all" (protocol -1) and read as -1, as EC2 writes them.</summary>
    private const int AllPorts = -1;

    public static DomainVpc ToVpc(Ec2Vpc vpc) => new()
    {
        Id = VpcId.Parse(vpc.VpcId),
        OwnerId = AccountId.Parse(vpc.OwnerId),
        State = vpc.State?.Value ?? "available",
        Tags = ToTags(vpc.Tags),
        // Only blocks in state "associated" route traffic; associating/disassociating/failed ones
        // must not count for overlap checks or routes.
        Ipv4Blocks = (vpc.CidrBlockAssociationSet ?? [])
            .Where(a => a.CidrBlockState?.State?.Value == Associated)
            .Select(a => VpcBlock(a.CidrBlock, vpc.VpcId))
            .Distinct()
            .ToList(),
        Ipv6Blocks = (vpc.Ipv6CidrBlockAssociationSet ?? [])
            .Where(a => a.Ipv6CidrBlockState?.State?.Value == Associated)
            .Select(a => VpcBlock(a.Ipv6CidrBlock, vpc.VpcId))
            .Distinct()
            .ToList(),
    };

    /// <summary>
    /// A peering as described here. <paramref name="scope"/> fills a side's region when EC2 leaves
    /// it out (same-region peerings described by older API versions).
    /// </summary>
    public static PeeringConnection ToPeering(VpcPeeringConnection pcx, AccountRegion scope) => new()
    {
        Id = PeeringConnectionId.Parse(pcx.VpcPeeringConnectionId),
        Status = pcx.Status?.Code?.Value ?? PeeringStatus.InitiatingRequest,
        Requester = ToSide(pcx.RequesterVpcInfo, scope, "requester", pcx.VpcPeeringConnectionId),
        Accepter = ToSide(pcx.AccepterVpcInfo, scope, "accepter", pcx.VpcPeeringConnectionId),
        Tags = ToTags(pcx.Tags),
        ExpirationTime = pcx.ExpirationTime is { } expires ? ToUtc(expires) : null,
        RequesterBlocks = PeeringBlocks(pcx.RequesterVpcInfo),
        AccepterBlocks = PeeringBlocks(pcx.AccepterVpcInfo),
    };

    /// <summary>Every CIDR block a peering's VPC info names (moto fills only the primary one).</summary>
    private static IReadOnlyList<Cidr> PeeringBlocks(VpcPeeringConnectionVpcInfo? info) =>
        new[] { info?.CidrBlock }
            .Concat((info?.CidrBlockSet ?? []).Select(b => b.Cidr))
            .Concat((info?.Ipv6CidrBlockSet ?? []).Select(b => b.Value))
            .Select(ParseCidr)
            .OfType<Cidr>()
            .Distinct()
            .ToList();

    public static DomainRouteTable ToRouteTable(Ec2RouteTable table) => new()
    {
        Id = RouteTableId.Parse(table.RouteTableId),
        VpcId = VpcId.Parse(table.VpcId),
        IsMain = (table.Associations ?? []).Any(a => a.Main == true),
        Routes = (table.Routes ?? []).Select(ToRoute).OfType<DomainRoute>().ToList(),
        SubnetIds = (table.Associations ?? []).Where(a => !string.IsNullOrEmpty(a.SubnetId)).Select(a => a.SubnetId).Distinct().ToList(),
    };

    /// <summary>A network ACL; an entry with neither an IPv4 nor an IPv6 block is dropped (EC2 always sets one).</summary>
    public static PeeringAutomation.Core.Model.NetworkAcl ToNetworkAcl(Amazon.EC2.Model.NetworkAcl acl) => new()
    {
        Id = acl.NetworkAclId,
        VpcId = VpcId.Parse(acl.VpcId),
        IsDefault = acl.IsDefault == true,
        SubnetIds = (acl.Associations ?? []).Where(a => !string.IsNullOrEmpty(a.SubnetId)).Select(a => a.SubnetId).Distinct().ToList(),
        Entries = (acl.Entries ?? [])
            .Select(e => (Entry: e, Block: ParseCidr(e.CidrBlock) ?? ParseCidr(e.Ipv6CidrBlock)))
            .Where(e => e.Block is not null && e.Entry.RuleNumber is not null)
            .Select(e => new PeeringAutomation.Core.Model.NetworkAclEntry(
                e.Entry.RuleNumber!.Value, e.Entry.Egress == true, e.Entry.Protocol ?? "-1", e.Entry.RuleAction?.Value == "allow", e.Block!,
                e.Entry.PortRange?.From, e.Entry.PortRange?.To))
            .ToList(),
    };

    /// <summary>
    /// A route, or null for a prefix-list route (<c>DestinationPrefixListId</c>): it has no CIDR
    /// destination, and the automation neither creates nor judges such routes.
    /// </summary>
    public static DomainRoute? ToRoute(Ec2Route route)
    {
        var destination = ParseCidr(route.DestinationCidrBlock) ?? ParseCidr(route.DestinationIpv6CidrBlock);
        if (destination is null)
        {
            return null;
        }
        var (kind, target) = Target(route);
        return new DomainRoute(destination, kind, target, route.State?.Value ?? "active");
    }

    private static (RouteTargetKind Kind, string Id) Target(Ec2Route route)
    {
        if (!string.IsNullOrEmpty(route.VpcPeeringConnectionId))
        {
            return (RouteTargetKind.PeeringConnection, route.VpcPeeringConnectionId);
        }
        if (!string.IsNullOrEmpty(route.TransitGatewayId))
        {
            return (RouteTargetKind.TransitGateway, route.TransitGatewayId);
        }
        if (!string.IsNullOrEmpty(route.NatGatewayId))
        {
            return (RouteTargetKind.NatGateway, route.NatGatewayId);
        }
        if (!string.IsNullOrEmpty(route.EgressOnlyInternetGatewayId))
        {
            // An egress-only IGW is still an internet edge: judge it like an IGW.
            return (RouteTargetKind.InternetGateway, route.EgressOnlyInternetGatewayId);
        }
        // EC2 reports gateway endpoints (vpce-), IGWs (igw-), VGWs (vgw-) and the local route all
        // in GatewayId; the prefix tells them apart.
        if (route.GatewayId is { Length: > 0 } gateway)
        {
            return gateway switch
            {
                "local" => (RouteTargetKind.Local, gateway),
                _ when gateway.StartsWith("igw-", StringComparison.Ordinal) => (RouteTargetKind.InternetGateway, gateway),
                _ when gateway.StartsWith("vpce-", StringComparison.Ordinal) => (RouteTargetKind.VpcEndpoint, gateway),
                _ => (RouteTargetKind.Other, gateway), // vgw- (VPN gateway) and anything new
            };
        }
        if (!string.IsNullOrEmpty(route.NetworkInterfaceId))
        {
            // Routes to an instance carry its interface too; the interface is what traffic hits.
            return (RouteTargetKind.NetworkInterface, route.NetworkInterfaceId);
        }
        var other = FirstNonEmpty(route.InstanceId, route.LocalGatewayId, route.CarrierGatewayId, route.CoreNetworkArn);
        return (RouteTargetKind.Other, other ?? "");
    }

    /// <summary>
    /// The group's ingress rules, one <see cref="IngressPermission"/> per (protocol, ports, single
    /// source). Prefix-list sources are left out: the automation never writes them and they are
    /// not peer sources.
    /// </summary>
    public static DomainSecurityGroup ToSecurityGroup(Ec2SecurityGroup group)
    {
        var owner = AccountId.Parse(group.OwnerId);
        return new DomainSecurityGroup
        {
            Id = SecurityGroupId.Parse(group.GroupId),
            VpcId = VpcId.Parse(group.VpcId),
            OwnerId = owner,
            Ingress = (group.IpPermissions ?? []).SelectMany(p => ToIngress(p, owner)).ToList(),
        };
    }

    public static IEnumerable<IngressPermission> ToIngress(IpPermission permission, AccountId groupOwner)
    {
        var protocol = NormalizeProtocol(permission.IpProtocol);
        var from = protocol == "-1" ? AllPorts : permission.FromPort ?? AllPorts;
        var to = protocol == "-1" ? AllPorts : permission.ToPort ?? AllPorts;
        IngressPermission Make(Cidr? cidr, SecurityGroupReference? group, string? description) => new()
        {
            Protocol = protocol,
            FromPort = from,
            ToPort = to,
            SourceCidr = cidr,
            SourceGroup = group,
            Description = string.IsNullOrEmpty(description) ? null : description,
        };

        foreach (var range in permission.Ipv4Ranges ?? [])
        {
            if (ParseCidr(range.CidrIp) is { } cidr)
            {
                yield return Make(cidr, null, range.Description);
            }
        }
        foreach (var range in permission.Ipv6Ranges ?? [])
        {
            if (ParseCidr(range.CidrIpv6) is { } cidr)
            {
                yield return Make(cidr, null, range.Description);
            }
        }
        foreach (var pair in permission.UserIdGroupPairs ?? [])
        {
            if (!Identifier.TryParse<SecurityGroupId>(pair.GroupId, out var groupId, out _))
            {
                continue; // EC2-Classic name-only pairs: not something a VPC peering rule can be.
            }
            // EC2 omits UserId for a group in the same account.
            var account = Identifier.TryParse<AccountId>(pair.UserId, out var user, out _) ? user.Value : groupOwner;
            yield return Make(null, new SecurityGroupReference(account, groupId.Value), pair.Description);
        }
    }

    /// <summary>
    /// The SDK shape for one permission with its single source and its description. Revokes send
    /// the description too: AWS ignores it when matching, and moto matches group pairs only with it.
    /// </summary>
    public static IpPermission ToIpPermission(IngressPermission permission)
    {
        var description = permission.Description;
        var result = new IpPermission { IpProtocol = permission.Protocol };
        if (permission.Protocol != "-1")
        {
            result.FromPort = permission.FromPort;
            result.ToPort = permission.ToPort;
        }
        if (permission.SourceCidr is { } cidr)
        {
            if (cidr.Family == IpFamily.IPv4)
            {
                result.Ipv4Ranges = [new IpRange { CidrIp = cidr.ToString(), Description = description }];
            }
            else
            {
                result.Ipv6Ranges = [new Ipv6Range { CidrIpv6 = cidr.ToString(), Description = description }];
            }
        }
        else if (permission.SourceGroup is { } group)
        {
            result.UserIdGroupPairs =
            [
                new UserIdGroupPair { UserId = group.Account.Value, GroupId = group.GroupId.Value, Description = description },
            ];
        }
        else
        {
            throw new ArgumentException($"ingress permission {permission} has no source (CIDR or group)", nameof(permission));
        }
        return result;
    }

    public static DomainFlowLog ToFlowLog(Ec2FlowLog log) =>
        new(log.FlowLogId ?? "", log.ResourceId ?? "", log.FlowLogStatus ?? "", log.TrafficType?.Value ?? "");

    /// <summary>An SDK timestamp as UTC (the wire format is UTC; the SDK may not say so).</summary>
    public static DateTimeOffset ToUtc(DateTime value) =>
        new(value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value.ToUniversalTime());

    public static IReadOnlyDictionary<string, string> ToTags(List<Tag>? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags ?? [])
        {
            if (tag.Key is { } key)
            {
                result[key] = tag.Value ?? "";
            }
        }
        return result;
    }

    public static List<Tag> ToSdkTags(IReadOnlyDictionary<string, string> tags) =>
        tags.Select(t => new Tag(t.Key, t.Value)).ToList();

    private static PeeringSideInfo ToSide(VpcPeeringConnectionVpcInfo? info, AccountRegion scope, string side, string pcx)
    {
        if (info?.VpcId is null || info.OwnerId is null)
        {
            throw new FormatException($"EC2 described {pcx} without the {side} VPC or owner");
        }
        var region = string.IsNullOrEmpty(info.Region) ? scope.Region : AwsRegion.Parse(info.Region);
        return new PeeringSideInfo(AccountId.Parse(info.OwnerId), region, VpcId.Parse(info.VpcId));
    }

    /// <summary>Lower-case protocol names; EC2 reports tcp/udp/icmp/icmpv6 by name and others by number.</summary>
    private static string NormalizeProtocol(string? protocol) =>
        string.IsNullOrEmpty(protocol) ? "-1" : protocol.ToLowerInvariant();

    // A VPC block must never be dropped: overlap validation relies on seeing every one.
    private static Cidr VpcBlock(string? text, string vpc) =>
        Cidr.TryParse(text, out var cidr, out var error)
            ? cidr
            : throw new FormatException($"EC2 described {vpc} with an unreadable CIDR block: {error}");

    // Route destinations and rule sources come back canonical; one we cannot read (an EC2 change)
    // is skipped rather than failing every describe of the table or group.
    private static Cidr? ParseCidr(string? text) =>
        !string.IsNullOrEmpty(text) && Cidr.TryParse(text, out var cidr, out _) ? cidr : null;

    private static string? FirstNonEmpty(params string?[] values) =>
        values.FirstOrDefault(v => !string.IsNullOrEmpty(v));
}
