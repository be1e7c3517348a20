using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using Route = PeeringAutomation.Core.Model.Route;

namespace PeeringAutomation.Aws.Tests.Integration;

public sealed class Ec2GatewayRouteTests(MotoFixture moto) : MotoTest(moto)
{
    private static readonly Cidr PeerIpv4 = Cidr.Parse("10.3.0.0/16");
    private static readonly Cidr PeerIpv6 = Cidr.Parse("2600:1f18:abcd:1200::/56");

    private IAmazonEC2 raw = null!;
    private IEc2Gateway gateway = null!;
    private VpcId vpc;
    private RouteTableId table;
    private PeeringConnectionId peering;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        raw = await RawEc2Async(Requester, UsEast1);
        vpc = await CreateVpcAsync(raw, "10.1.0.0/16", ipv6: true);
        var peerVpc = await CreateVpcAsync(raw, "10.3.0.0/16");
        table = await CreateRouteTableAsync(raw, vpc);
        gateway = await GatewayAsync(Requester, UsEast1);
        peering = (await gateway.CreatePeeringConnectionAsync(vpc, new PeeringSideInfo(Requester, UsEast1, peerVpc), new Dictionary<string, string>())).Id;
    }

    [Fact]
    public async Task Ec2GatewayCreateRoute_AddsIpv4AndIpv6RoutesToThePeering()
    {
        await gateway.CreateRouteAsync(table, PeerIpv4, peering);
        await gateway.CreateRouteAsync(table, PeerIpv6, peering);

        var described = (await gateway.DescribeRouteTablesAsync([vpc])).Single(t => t.Id == table);

        described.VpcId.ShouldBe(vpc);
        described.IsMain.ShouldBeFalse();
        described.Routes.ShouldContain(new Route(PeerIpv4, RouteTargetKind.PeeringConnection, peering.Value, "active"));
        described.Routes.ShouldContain(new Route(PeerIpv6, RouteTargetKind.PeeringConnection, peering.Value, "active"));
        described.Routes.ShouldContain(r => r.Destination == Cidr.Parse("10.1.0.0/16") && r.TargetKind == RouteTargetKind.Local && r.TargetId == "local");
        described.Routes.ShouldContain(r => r.Destination.Family == IpFamily.IPv6 && r.TargetKind == RouteTargetKind.Local);
    }

    [Fact]
    public async Task Ec2GatewayDeleteRoute_RemovesIpv4AndIpv6RoutesAndIsIdempotent()
    {
        await gateway.CreateRouteAsync(table, PeerIpv4, peering);
        await gateway.CreateRouteAsync(table, PeerIpv6, peering);

        await gateway.DeleteRouteAsync(table, PeerIpv4);
        await gateway.DeleteRouteAsync(table, PeerIpv6);
        await gateway.DeleteRouteAsync(table, PeerIpv4);
        await gateway.DeleteRouteAsync(table, PeerIpv6);

        var described = (await gateway.DescribeRouteTablesAsync([vpc])).Single(t => t.Id == table);
        described.Routes.ShouldNotContain(r => r.TargetKind == RouteTargetKind.PeeringConnection);
    }

    [Fact]
    public async Task Ec2GatewayCreateRoute_ThrowsConflictCarryingRouteAlreadyExistsGivenExistingRoute()
    {
        await gateway.CreateRouteAsync(table, PeerIpv4, peering);

        var error = await Should.ThrowAsync<PeeringConflict>(() => gateway.CreateRouteAsync(table, PeerIpv4, peering));

        error.AwsErrorCode.ShouldBe(Ec2ErrorCodes.RouteAlreadyExists);
        error.Message.ShouldContain("CreateRoute");
        error.Message.ShouldContain("10.3.0.0/16");
        error.InnerException.ShouldBeAssignableTo<AmazonEC2Exception>();
    }

    [Fact]
    public async Task Ec2GatewayCreateRoute_ThrowsResourceNotFoundGivenUnknownTable()
    {
        var missing = RouteTableId.Parse("rtb-0123456789abcdef0");

        var error = await Should.ThrowAsync<ResourceNotFound>(() => gateway.CreateRouteAsync(missing, PeerIpv4, peering));

        error.AwsErrorCode.ShouldBe("InvalidRouteTableID.NotFound");
        (await Should.ThrowAsync<ResourceNotFound>(() => gateway.DeleteRouteAsync(missing, PeerIpv4)))
            .AwsErrorCode.ShouldBe("InvalidRouteTableID.NotFound");
    }

    [Fact]
    public async Task Ec2GatewayDescribeRouteTables_ReturnsMainAndCustomTablesOfTheVpcOnly()
    {
        var other = await CreateVpcAsync(raw, "10.20.0.0/16");
        await CreateRouteTableAsync(raw, other);

        var tables = await gateway.DescribeRouteTablesAsync([vpc]);

        tables.ShouldAllBe(t => t.VpcId == vpc);
        tables.Count(t => t.IsMain).ShouldBe(1);
        tables.ShouldContain(t => t.Id == table);
    }

    [Fact]
    public async Task Ec2GatewayDescribeRouteTables_MapsGatewayTargetsAndSkipsPrefixListRoutes()
    {
        var igw = (await raw.CreateInternetGatewayAsync(new CreateInternetGatewayRequest())).InternetGateway.InternetGatewayId;
        await raw.AttachInternetGatewayAsync(new AttachInternetGatewayRequest { InternetGatewayId = igw, VpcId = vpc.Value });
        await raw.CreateRouteAsync(new CreateRouteRequest { RouteTableId = table.Value, DestinationCidrBlock = "0.0.0.0/0", GatewayId = igw });
        var prefixList = (await raw.CreateManagedPrefixListAsync(new CreateManagedPrefixListRequest
        {
            PrefixListName = "corp", MaxEntries = 5, AddressFamily = "IPv4",
        })).PrefixList.PrefixListId;
        await raw.CreateRouteAsync(new CreateRouteRequest { RouteTableId = table.Value, DestinationPrefixListId = prefixList, GatewayId = igw });

        var described = (await gateway.DescribeRouteTablesAsync([vpc])).Single(t => t.Id == table);

        described.Routes.ShouldContain(new Route(Cidr.Parse("0.0.0.0/0"), RouteTargetKind.InternetGateway, igw, "active"));
        described.Routes.Count(r => r.TargetId == igw).ShouldBe(1);
    }
}
