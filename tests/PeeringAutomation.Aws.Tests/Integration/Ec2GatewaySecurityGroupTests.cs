using Amazon.EC2;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Aws.Tests.Integration;

public sealed class Ec2GatewaySecurityGroupTests(MotoFixture moto) : MotoTest(moto)
{
    private IAmazonEC2 raw = null!;
    private IEc2Gateway gateway = null!;
    private VpcId vpc;
    private SecurityGroupId group;
    private SecurityGroupId peerGroup;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        raw = await RawEc2Async(Requester, UsEast1);
        vpc = await CreateVpcAsync(raw, "10.1.0.0/16", ipv6: true);
        group = await CreateSecurityGroupAsync(raw, vpc, "app");
        var peerRaw = await RawEc2Async(Accepter, UsEast1);
        peerGroup = await CreateSecurityGroupAsync(peerRaw, await CreateVpcAsync(peerRaw, "10.3.0.0/16"), "db-clients");
        // moto resolves a referenced group only among the caller's own groups (it never looks in
        // the peer account), but it also accepts a group *name* there. A decoy group named after the
        // peer group's id lets the cross-account pair through, stored exactly as sent.
        await CreateSecurityGroupAsync(raw, vpc, peerGroup.Value);
        gateway = await GatewayAsync(Requester, UsEast1);
    }

    private static IngressPermission Tcp(int port, Cidr? cidr = null, SecurityGroupReference? source = null, string? description = "peering-automation:chg-2041") => new()
    {
        Protocol = "tcp", FromPort = port, ToPort = port, SourceCidr = cidr, SourceGroup = source, Description = description,
    };

    private IReadOnlyList<IngressPermission> Wanted => [
        Tcp(443, Cidr.Parse("10.3.0.0/16")),
        Tcp(443, Cidr.Parse("2600:1f18:abcd:1200::/56")),
        Tcp(5432, source: new SecurityGroupReference(Accepter, peerGroup)),
        new IngressPermission { Protocol = "-1", FromPort = -1, ToPort = -1, SourceCidr = Cidr.Parse("10.4.0.0/16"), Description = "all from 10.4" },
    ];

    [Fact]
    public async Task Ec2GatewayAuthorizeIngress_AddsEveryPermissionWithItsDescription()
    {
        await gateway.AuthorizeIngressAsync(group, Wanted);

        var described = (await gateway.DescribeSecurityGroupsAsync([group])).ShouldHaveSingleItem();

        described.Id.ShouldBe(group);
        described.VpcId.ShouldBe(vpc);
        described.OwnerId.ShouldBe(Requester);
        described.Ingress.ShouldBe(Wanted, ignoreOrder: true);
    }

    [Fact]
    public async Task Ec2GatewayDescribeSecurityGroupsOfVpc_ReturnsOnlyThatVpcsGroups()
    {
        var other = await CreateVpcAsync(raw, "10.9.0.0/16");
        var elsewhere = await CreateSecurityGroupAsync(raw, other, "elsewhere");

        var groups = await gateway.DescribeSecurityGroupsOfVpcAsync(vpc);

        groups.ShouldContain(g => g.Id == group);
        groups.ShouldAllBe(g => g.VpcId == vpc);
        groups.ShouldNotContain(g => g.Id == elsewhere);
    }

    [Fact]
    public async Task Ec2GatewayAuthorizeIngress_ThrowsConflictCarryingDuplicateCodeGivenExistingRule()
    {
        await gateway.AuthorizeIngressAsync(group, Wanted.Take(1).ToList());

        var error = await Should.ThrowAsync<PeeringConflict>(() => gateway.AuthorizeIngressAsync(group, Wanted.Take(1).ToList()));

        error.AwsErrorCode.ShouldBe(Ec2ErrorCodes.PermissionDuplicate);
        error.Message.ShouldContain("AuthorizeSecurityGroupIngress");
    }

    [Fact]
    public async Task Ec2GatewayRevokeIngress_RemovesEveryRuleAsDescribed()
    {
        await gateway.AuthorizeIngressAsync(group, Wanted);
        var described = (await gateway.DescribeSecurityGroupsAsync([group])).Single().Ingress;

        await gateway.RevokeIngressAsync(group, described);

        (await gateway.DescribeSecurityGroupsAsync([group])).ShouldHaveSingleItem().Ingress.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ec2GatewayRevokeIngress_RemovesCidrRulesWhateverTheirDescription()
    {
        // (AWS ignores descriptions for group pairs too; moto matches those only with the same one.)
        var cidrRules = Wanted.Where(p => p.SourceCidr is not null).ToList();
        await gateway.AuthorizeIngressAsync(group, cidrRules);

        await gateway.RevokeIngressAsync(group, cidrRules.Select(p => p with { Description = "changed by hand" }).ToList());

        (await gateway.DescribeSecurityGroupsAsync([group])).ShouldHaveSingleItem().Ingress.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ec2GatewayRevokeIngress_RevokesTheRestAndIgnoresRulesAlreadyGone()
    {
        await gateway.AuthorizeIngressAsync(group, Wanted);
        await gateway.RevokeIngressAsync(group, [Wanted[0]]);

        // EC2 alone would refuse the whole batch because the first rule no longer exists.
        await gateway.RevokeIngressAsync(group, Wanted);
        await gateway.RevokeIngressAsync(group, Wanted);

        (await gateway.DescribeSecurityGroupsAsync([group])).ShouldHaveSingleItem().Ingress.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ec2GatewayDescribeSecurityGroups_OmitsUnknownIdsAndReturnsOnlyThoseAsked()
    {
        var unknown = SecurityGroupId.Parse("sg-0123456789abcdef0");

        var described = await gateway.DescribeSecurityGroupsAsync([group, unknown]);

        described.Select(g => g.Id).ShouldBe([group]);
    }

    [Fact]
    public async Task Ec2GatewayAuthorizeIngress_ThrowsResourceNotFoundGivenUnknownGroup()
    {
        var error = await Should.ThrowAsync<ResourceNotFound>(
            () => gateway.AuthorizeIngressAsync(SecurityGroupId.Parse("sg-0123456789abcdef0"), Wanted.Take(1).ToList()));

        error.AwsErrorCode.ShouldBe("InvalidGroup.NotFound");
    }
}
