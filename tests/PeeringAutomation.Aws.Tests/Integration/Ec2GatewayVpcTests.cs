using Amazon.EC2.Model;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Aws.Tests.Integration;

public sealed class Ec2GatewayVpcTests(MotoFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task Ec2GatewayDescribeVpcs_ReturnsSecondaryAndIpv6BlocksGivenAssumedRole()
    {
        var requesterEc2 = await RawEc2Async(Requester, UsEast1);
        var accepterEc2 = await RawEc2Async(Accepter, EuWest1);
        var requesterVpc = await CreateVpcAsync(requesterEc2, "10.1.0.0/16", ipv6: true, "10.2.0.0/16");
        var accepterVpc = await CreateVpcAsync(accepterEc2, "10.3.0.0/16", ipv6: false, "100.64.0.0/20");

        var requesterSide = await (await GatewayAsync(Requester, UsEast1)).DescribeVpcsAsync([requesterVpc]);
        var accepterSide = await (await GatewayAsync(Accepter, EuWest1)).DescribeVpcsAsync([accepterVpc]);

        var vpc = requesterSide.ShouldHaveSingleItem();
        vpc.Id.ShouldBe(requesterVpc);
        vpc.OwnerId.ShouldBe(Requester);
        vpc.Ipv4Blocks.ShouldBe([Cidr.Parse("10.1.0.0/16"), Cidr.Parse("10.2.0.0/16")], ignoreOrder: true);
        vpc.Ipv6Blocks.ShouldHaveSingleItem().Family.ShouldBe(IpFamily.IPv6);
        var peer = accepterSide.ShouldHaveSingleItem();
        peer.OwnerId.ShouldBe(Accepter);
        peer.Ipv4Blocks.ShouldBe([Cidr.Parse("10.3.0.0/16"), Cidr.Parse("100.64.0.0/20")], ignoreOrder: true);
        peer.Ipv6Blocks.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_SeesOnlyTheScopesAccountAndRegion()
    {
        // Proves the factory signs for the scope's region and account: nothing leaks across.
        await CreateVpcAsync(await RawEc2Async(Requester, UsEast1), "10.1.0.0/16");

        // (moto gives every account and region a default VPC, 172.31.0.0/16, so look for ours.)
        var block = Cidr.Parse("10.1.0.0/16");
        (await (await GatewayAsync(Requester, EuWest1)).DescribeVpcsAsync([])).ShouldNotContain(v => v.Ipv4Blocks.Contains(block));
        (await (await GatewayAsync(Accepter, UsEast1)).DescribeVpcsAsync([])).ShouldNotContain(v => v.OwnerId == Requester || v.Ipv4Blocks.Contains(block));
        (await (await GatewayAsync(Hub, UsEast1)).DescribeVpcsAsync([])).ShouldNotContain(v => v.Ipv4Blocks.Contains(block));
        (await (await GatewayAsync(Requester, UsEast1)).DescribeVpcsAsync([])).ShouldContain(v => v.Ipv4Blocks.Contains(block) && v.OwnerId == Requester);
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_LeavesOutDisassociatedBlocks()
    {
        var ec2 = await RawEc2Async(Hub, UsEast1);
        var vpc = await CreateVpcAsync(ec2, "10.9.0.0/16");
        var association = await ec2.AssociateVpcCidrBlockAsync(new AssociateVpcCidrBlockRequest { VpcId = vpc.Value, CidrBlock = "10.10.0.0/16" });
        await ec2.DisassociateVpcCidrBlockAsync(new DisassociateVpcCidrBlockRequest { AssociationId = association.CidrBlockAssociation.AssociationId });

        var described = await (await GatewayAsync(Hub, UsEast1)).DescribeVpcsAsync([vpc]);

        described.ShouldHaveSingleItem().Ipv4Blocks.ShouldBe([Cidr.Parse("10.9.0.0/16")]);
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_OmitsUnknownIdsInsteadOfFailing()
    {
        var vpc = await CreateVpcAsync(await RawEc2Async(Hub, UsEast1), "10.9.0.0/16");
        var unknown = VpcId.Parse("vpc-0123456789abcdef0");

        var described = await (await GatewayAsync(Hub, UsEast1)).DescribeVpcsAsync([vpc, unknown]);

        described.Select(v => v.Id).ShouldBe([vpc]);
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_ReturnsEveryVpcOfTheRegionGivenNoIds()
    {
        var ec2 = await RawEc2Async(Requester, UsEast1);
        var a = await CreateVpcAsync(ec2, "10.1.0.0/16");
        var b = await CreateVpcAsync(ec2, "10.2.0.0/16");

        var described = await (await GatewayAsync(Requester, UsEast1)).DescribeVpcsAsync([]);

        described.Select(v => v.Id).ShouldContain(a);
        described.Select(v => v.Id).ShouldContain(b);
    }
}
