using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Tests.Provisioning;

/// <summary>Builders for validation tests: two managed accounts, a VPC on each side, one route table each.</summary>
internal static class ProvisioningBuilders
{
    public static readonly AccountId RequesterAccount = AccountId.Parse("111111111111");
    public static readonly AccountId AccepterAccount = AccountId.Parse("222222222222");
    public static readonly AwsRegion UsEast1 = AwsRegion.Parse("us-east-1");
    public static readonly AwsRegion EuWest1 = AwsRegion.Parse("eu-west-1");
    public static readonly VpcId RequesterVpc = VpcId.Parse("vpc-0000000000000000a");
    public static readonly VpcId AccepterVpc = VpcId.Parse("vpc-0000000000000000b");
    public static readonly RouteTableId RequesterTable = RouteTableId.Parse("rtb-0000000000000000a");
    public static readonly RouteTableId AccepterTable = RouteTableId.Parse("rtb-0000000000000000b");
    public static readonly SecurityGroupId RequesterGroup = SecurityGroupId.Parse("sg-0000000000000000a");
    public static readonly SecurityGroupId AccepterGroup = SecurityGroupId.Parse("sg-0000000000000000b");

    public static PeeringPolicy Policy(Action<HashSet<AccountId>>? allowed = null) => new()
    {
        ManagedAccounts = new HashSet<AccountId> { RequesterAccount, AccepterAccount },
        ManagedRegions = new HashSet<AwsRegion> { UsEast1, EuWest1 },
    };

    public static PeeringRequest Request(
        IReadOnlyList<Cidr>? destinations = null,
        IReadOnlyList<IngressRequest>? requesterIngress = null,
        AwsRegion? accepterRegion = null,
        string requestId = "chg-1") => new()
    {
        RequestId = RequestId.Parse(requestId),
        Requester = new PeeringSideRequest
        {
            AccountId = RequesterAccount,
            Region = UsEast1,
            VpcId = RequesterVpc,
            IngressFromPeer = requesterIngress ?? [],
        },
        Accepter = new PeeringSideRequest { AccountId = AccepterAccount, Region = accepterRegion ?? EuWest1, VpcId = AccepterVpc },
        DestinationCidrs = destinations,
    };

    public static IngressRequest Tcp(int port, SecurityGroupId? group = null) =>
        new() { SecurityGroupId = group ?? RequesterGroup, Protocol = "tcp", FromPort = port, ToPort = port };

    public static Vpc Vpc(VpcId id, AccountId owner, string[] ipv4, string[]? ipv6 = null) => new()
    {
        Id = id,
        OwnerId = owner,
        State = "available",
        Ipv4Blocks = ipv4.Select(Cidr.Parse).ToList(),
        Ipv6Blocks = (ipv6 ?? []).Select(Cidr.Parse).ToList(),
    };

    public static RouteTable Table(RouteTableId id, VpcId vpc, params Route[] routes) =>
        new() { Id = id, VpcId = vpc, IsMain = true, Routes = routes };

    public static Route LocalRoute(string cidr) => new(Cidr.Parse(cidr), RouteTargetKind.Local, "local", "active");

    public static SecurityGroup Group(SecurityGroupId id, VpcId vpc, AccountId owner, params IngressPermission[] ingress) =>
        new() { Id = id, VpcId = vpc, OwnerId = owner, Ingress = ingress };

    public static SideSnapshot RequesterSide(Vpc? vpc = null, RouteTable? table = null, IReadOnlyList<PeeringConnection>? peerings = null) =>
        new()
        {
            Vpc = vpc ?? Vpc(RequesterVpc, RequesterAccount, ["10.1.0.0/16", "10.2.0.0/16"], ["2600:1f18:1::/56"]),
            RouteTables = [table ?? Table(RequesterTable, RequesterVpc, LocalRoute("10.1.0.0/16"))],
            SecurityGroups = [Group(RequesterGroup, RequesterVpc, RequesterAccount)],
            Peerings = peerings ?? [],
        };

    public static SideSnapshot AccepterSide(Vpc? vpc = null, RouteTable? table = null, IReadOnlyList<PeeringConnection>? peerings = null) =>
        new()
        {
            Vpc = vpc ?? Vpc(AccepterVpc, AccepterAccount, ["10.20.0.0/16"], ["2a05:d018:2::/56"]),
            RouteTables = [table ?? Table(AccepterTable, AccepterVpc, LocalRoute("10.20.0.0/16"))],
            SecurityGroups = [Group(AccepterGroup, AccepterVpc, AccepterAccount)],
            Peerings = peerings ?? [],
        };

    public static PeeringConnection Peering(string id, string status, string? requestId = null) => new()
    {
        Id = PeeringConnectionId.Parse(id),
        Status = status,
        Requester = new PeeringSideInfo(RequesterAccount, UsEast1, RequesterVpc),
        Accepter = new PeeringSideInfo(AccepterAccount, EuWest1, AccepterVpc),
        Tags = requestId is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { [ManagedMarkers.RequestIdTag] = requestId, [ManagedMarkers.ManagedTag] = "true" },
    };
}
