using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Core.Model;
using SecurityGroupReference = PeeringAutomation.Core.Model.SecurityGroupReference;

namespace PeeringAutomation.Aws.Tests.Unit;

public sealed class Ec2MapperTests
{
    private static readonly AccountRegion Scope = new(AccountId.Parse("111111111111"), AwsRegion.Parse("us-east-1"));

    [Fact]
    public void Ec2MapperToVpc_ReturnsEmptyBlockListsGivenSdkNullCollections()
    {
        var vpc = Ec2Mapper.ToVpc(new Amazon.EC2.Model.Vpc { VpcId = "vpc-0a1b2c3d4e5f60718", OwnerId = "111111111111" });

        vpc.Ipv4Blocks.ShouldBeEmpty();
        vpc.Ipv6Blocks.ShouldBeEmpty();
        vpc.State.ShouldBe("available");
    }

    [Fact]
    public void Ec2MapperToVpc_KeepsOnlyAssociatedBlocks()
    {
        static VpcCidrBlockAssociation V4(string cidr, string state) =>
            new() { CidrBlock = cidr, CidrBlockState = new VpcCidrBlockState { State = state } };
        static VpcIpv6CidrBlockAssociation V6(string cidr, string state) =>
            new() { Ipv6CidrBlock = cidr, Ipv6CidrBlockState = new VpcCidrBlockState { State = state } };

        var vpc = Ec2Mapper.ToVpc(new Amazon.EC2.Model.Vpc
        {
            VpcId = "vpc-0a1b2c3d4e5f60718",
            OwnerId = "111111111111",
            State = VpcState.Available,
            CidrBlockAssociationSet = [V4("10.0.0.0/16", "associated"), V4("10.1.0.0/16", "associating"), V4("10.2.0.0/16", "disassociated"), V4("100.64.0.0/16", "associated")],
            Ipv6CidrBlockAssociationSet = [V6("2600:1f18:1::/56", "associated"), V6("2600:1f18:2::/56", "failed")],
        });

        vpc.Ipv4Blocks.ShouldBe([Cidr.Parse("10.0.0.0/16"), Cidr.Parse("100.64.0.0/16")]);
        vpc.Ipv6Blocks.ShouldBe([Cidr.Parse("2600:1f18:1::/56")]);
    }

    [Theory]
    [InlineData("local", null, RouteTargetKind.Local, "local")]
    [InlineData("igw-0123456789abcdef0", null, RouteTargetKind.InternetGateway, "igw-0123456789abcdef0")]
    [InlineData("vpce-0123456789abcdef0", null, RouteTargetKind.VpcEndpoint, "vpce-0123456789abcdef0")]
    [InlineData("vgw-0123456789abcdef0", null, RouteTargetKind.Other, "vgw-0123456789abcdef0")]
    [InlineData(null, "pcx", RouteTargetKind.PeeringConnection, "pcx-0123456789abcdef0")]
    [InlineData(null, "tgw", RouteTargetKind.TransitGateway, "tgw-0123456789abcdef0")]
    [InlineData(null, "nat", RouteTargetKind.NatGateway, "nat-0123456789abcdef0")]
    [InlineData(null, "eni", RouteTargetKind.NetworkInterface, "eni-0123456789abcdef0")]
    [InlineData(null, "eigw", RouteTargetKind.InternetGateway, "eigw-0123456789abcdef0")]
    [InlineData(null, "instance", RouteTargetKind.Other, "i-0123456789abcdef0")]
    public void Ec2MapperToRoute_MapsEveryTargetKind(string? gatewayId, string? other, RouteTargetKind kind, string target)
    {
        var route = new Amazon.EC2.Model.Route { DestinationCidrBlock = "10.3.0.0/16", GatewayId = gatewayId, State = RouteState.Blackhole };
        switch (other)
        {
            case "pcx": route.VpcPeeringConnectionId = target; break;
            case "tgw": route.TransitGatewayId = target; break;
            case "nat": route.NatGatewayId = target; break;
            case "eni": route.NetworkInterfaceId = target; break;
            case "eigw": route.EgressOnlyInternetGatewayId = target; break;
            case "instance": route.InstanceId = target; break;
        }

        var mapped = Ec2Mapper.ToRoute(route).ShouldNotBeNull();

        mapped.ShouldBe(new PeeringAutomation.Core.Model.Route(Cidr.Parse("10.3.0.0/16"), kind, target, "blackhole"));
    }

    [Fact]
    public void Ec2MapperToRoute_ReadsIpv6DestinationsAndSkipsPrefixLists()
    {
        Ec2Mapper.ToRoute(new Amazon.EC2.Model.Route { DestinationIpv6CidrBlock = "2600:1f18:1::/56", VpcPeeringConnectionId = "pcx-0123456789abcdef0" })
            .ShouldNotBeNull().Destination.ShouldBe(Cidr.Parse("2600:1f18:1::/56"));
        Ec2Mapper.ToRoute(new Amazon.EC2.Model.Route { DestinationPrefixListId = "pl-0123456789abcdef0", GatewayId = "igw-0123456789abcdef0" })
            .ShouldBeNull();
    }

    [Fact]
    public void Ec2MapperToRouteTable_MarksTheMainTable()
    {
        var table = Ec2Mapper.ToRouteTable(new Amazon.EC2.Model.RouteTable
        {
            RouteTableId = "rtb-0123456789abcdef0",
            VpcId = "vpc-0a1b2c3d4e5f60718",
            Associations = [new RouteTableAssociation { Main = false, SubnetId = "subnet-1" }, new RouteTableAssociation { Main = true }],
        });

        table.IsMain.ShouldBeTrue();
        table.Routes.ShouldBeEmpty();
    }

    [Fact]
    public void Ec2MapperToIngress_SplitsAPermissionIntoOneRulePerSource()
    {
        var permission = new IpPermission
        {
            IpProtocol = "tcp",
            FromPort = 443,
            ToPort = 443,
            Ipv4Ranges = [new IpRange { CidrIp = "10.3.0.0/16", Description = "a" }, new IpRange { CidrIp = "10.4.0.0/16" }],
            Ipv6Ranges = [new Ipv6Range { CidrIpv6 = "2600:1f18:1::/56", Description = "b" }],
            UserIdGroupPairs =
            [
                new UserIdGroupPair { UserId = "222222222222", GroupId = "sg-0123456789abcdef0", Description = "c" },
                new UserIdGroupPair { GroupId = "sg-0123456789abcdef1" },
            ],
            PrefixListIds = [new PrefixListId { Id = "pl-0123456789abcdef0" }],
        };

        var rules = Ec2Mapper.ToIngress(permission, Scope.Account).ToList();

        rules.Count.ShouldBe(5);
        rules.ShouldAllBe(r => r.Protocol == "tcp" && r.FromPort == 443 && r.ToPort == 443);
        rules.ShouldContain(r => r.SourceCidr == Cidr.Parse("10.3.0.0/16") && r.Description == "a");
        rules.ShouldContain(r => r.SourceCidr == Cidr.Parse("10.4.0.0/16") && r.Description == null);
        rules.ShouldContain(r => r.SourceCidr == Cidr.Parse("2600:1f18:1::/56") && r.Description == "b");
        rules.ShouldContain(r => r.SourceGroup == new SecurityGroupReference(AccountId.Parse("222222222222"), SecurityGroupId.Parse("sg-0123456789abcdef0")) && r.Description == "c");
        // EC2 leaves UserId out for a group of the same account.
        rules.ShouldContain(r => r.SourceGroup == new SecurityGroupReference(Scope.Account, SecurityGroupId.Parse("sg-0123456789abcdef1")));
    }

    [Fact]
    public void Ec2MapperToIngress_ReadsAllTrafficWithPortsMinusOne()
    {
        var rule = Ec2Mapper.ToIngress(new IpPermission { IpProtocol = "-1", Ipv4Ranges = [new IpRange { CidrIp = "10.4.0.0/16" }] }, Scope.Account).Single();

        rule.Protocol.ShouldBe("-1");
        rule.FromPort.ShouldBe(-1);
        rule.ToPort.ShouldBe(-1);
    }

    [Fact]
    public void Ec2MapperToIpPermission_SendsOneSourceWithItsDescriptionAndNoPortsForAllTraffic()
    {
        var v6 = Ec2Mapper.ToIpPermission(new IngressPermission { Protocol = "udp", FromPort = 53, ToPort = 53, SourceCidr = Cidr.Parse("2600:1f18:1::/56"), Description = "dns" });
        var group = Ec2Mapper.ToIpPermission(new IngressPermission
        {
            Protocol = "-1", FromPort = -1, ToPort = -1,
            SourceGroup = new SecurityGroupReference(AccountId.Parse("222222222222"), SecurityGroupId.Parse("sg-0123456789abcdef0")),
        });

        v6.Ipv6Ranges.ShouldHaveSingleItem().CidrIpv6.ShouldBe("2600:1f18:1::/56");
        v6.Ipv6Ranges[0].Description.ShouldBe("dns");
        v6.Ipv4Ranges.ShouldBeNull();
        v6.FromPort.ShouldBe(53);
        group.FromPort.ShouldBeNull();
        group.ToPort.ShouldBeNull();
        var pair = group.UserIdGroupPairs.ShouldHaveSingleItem();
        pair.UserId.ShouldBe("222222222222");
        pair.GroupId.ShouldBe("sg-0123456789abcdef0");
    }

    [Fact]
    public void Ec2MapperToPeering_FallsBackToTheScopeRegionAndKeepsTags()
    {
        var pcx = Ec2Mapper.ToPeering(new VpcPeeringConnection
        {
            VpcPeeringConnectionId = "pcx-0123456789abcdef0",
            Status = new VpcPeeringConnectionStateReason { Code = VpcPeeringConnectionStateReasonCode.PendingAcceptance },
            RequesterVpcInfo = new VpcPeeringConnectionVpcInfo { OwnerId = "111111111111", VpcId = "vpc-0a1b2c3d4e5f60718" },
            AccepterVpcInfo = new VpcPeeringConnectionVpcInfo { OwnerId = "222222222222", VpcId = "vpc-0a1b2c3d4e5f60719", Region = "eu-west-1" },
            Tags = [new Tag("peering-automation:managed", "true")],
            ExpirationTime = new DateTime(2026, 12, 4, 10, 0, 0, DateTimeKind.Unspecified),
        }, Scope);

        pcx.Status.ShouldBe(PeeringStatus.PendingAcceptance);
        pcx.Requester.Region.ShouldBe(Scope.Region);
        pcx.Accepter.ShouldBe(new PeeringSideInfo(AccountId.Parse("222222222222"), AwsRegion.Parse("eu-west-1"), VpcId.Parse("vpc-0a1b2c3d4e5f60719")));
        pcx.Tags.ShouldBe(new Dictionary<string, string> { ["peering-automation:managed"] = "true" });
        pcx.ExpirationTime.ShouldBe(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Ec2MapperToFlowLog_ReadsStatusAndTrafficType()
    {
        var log = Ec2Mapper.ToFlowLog(new Amazon.EC2.Model.FlowLog
        {
            FlowLogId = "fl-1", ResourceId = "vpc-0a1b2c3d4e5f60718", FlowLogStatus = "ACTIVE", TrafficType = TrafficType.REJECT,
        });

        log.ShouldBe(new PeeringAutomation.Core.Model.FlowLog("fl-1", "vpc-0a1b2c3d4e5f60718", "ACTIVE", "REJECT"));
    }
}
