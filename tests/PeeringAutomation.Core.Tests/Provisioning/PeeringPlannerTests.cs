using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using static PeeringAutomation.Core.Tests.Provisioning.ProvisioningBuilders;

namespace PeeringAutomation.Core.Tests.Provisioning;

public sealed class PeeringPlannerTests
{
    private readonly PeeringPlanner planner = new(Policy());

    [Fact]
    public void PeeringPlannerPlan_PlansRoutesToEveryPeerBlockGivenNoDestinations()
    {
        var outcome = planner.Plan(Request(), RequesterSide(), AccepterSide());

        outcome.Reasons.ShouldBeEmpty();
        outcome.Plan!.Requester.Routes.Select(r => r.Destination.ToString())
            .ShouldBe(["10.20.0.0/16", "2a05:d018:2::/56"], ignoreOrder: true);
        outcome.Plan.Accepter.Routes.Select(r => r.Destination.ToString())
            .ShouldBe(["10.1.0.0/16", "10.2.0.0/16", "2600:1f18:1::/56"], ignoreOrder: true);
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsRequestGivenSecondaryCidrOverlap()
    {
        var accepter = AccepterSide(Vpc(AccepterVpc, AccepterAccount, ["10.20.0.0/16", "10.2.128.0/20"]));

        var outcome = planner.Plan(Request(), RequesterSide(), accepter);

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.CidrOverlap);
        reason.Message.ShouldContain("10.2.0.0/16");
        reason.Message.ShouldContain("10.2.128.0/20");
        outcome.Plan.ShouldBeNull();
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsRequestGivenIpv6Overlap()
    {
        var accepter = AccepterSide(Vpc(AccepterVpc, AccepterAccount, ["10.20.0.0/16"], ["2600:1f18:1:80::/64"]));

        var outcome = planner.Plan(Request(), RequesterSide(), accepter);

        outcome.Reasons.ShouldHaveSingleItem().Code.ShouldBe(ReasonCodes.CidrOverlap);
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("192.168.0.0/16")]
    [InlineData("10.0.0.0/8")]
    public void PeeringPlannerPlan_RejectsTransitGivenDestinationOutsideBothVpcs(string destination)
    {
        var request = Request([Cidr.Parse("10.20.0.0/24"), Cidr.Parse("10.1.0.0/24"), Cidr.Parse(destination)]);

        var outcome = planner.Plan(request, RequesterSide(), AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.TransitiveRouting);
        reason.Message.ShouldContain("destinationCidrs[2]");
        reason.Message.ShouldContain("not transitive");
    }

    [Fact]
    public void PeeringPlannerPlan_SplitsDestinationsBySideGivenRangesOfBothVpcs()
    {
        var request = Request([Cidr.Parse("10.20.1.0/24"), Cidr.Parse("10.1.5.0/24")]);

        var outcome = planner.Plan(request, RequesterSide(), AccepterSide());

        outcome.Plan!.Requester.Routes.ShouldHaveSingleItem().Destination.ToString().ShouldBe("10.20.1.0/24");
        outcome.Plan.Accepter.Routes.ShouldHaveSingleItem().Destination.ToString().ShouldBe("10.1.5.0/24");
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsOneWayRoutingGivenDestinationsOfOneVpcOnly()
    {
        var outcome = planner.Plan(Request([Cidr.Parse("10.20.1.0/24")]), RequesterSide(), AccepterSide());

        outcome.Reasons.ShouldHaveSingleItem().Message.ShouldContain("both directions");
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsAccountGivenAccountNotManaged()
    {
        var request = Request() with
        {
            Accepter = Request().Accepter with { AccountId = AccountId.Parse("999999999999") },
        };

        var outcome = planner.Plan(request, RequesterSide(), AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.AccountNotAllowed);
        reason.Message.ShouldContain("accepter.accountId");
    }

    [Fact]
    public void PeeringPlannerPlan_AcceptsManagedRequesterGivenAllowListWithoutIt()
    {
        // AllowedPeerAccountIds governs auto-accept only: provisioning needs both accounts managed.
        var policy = Policy() with { AllowedPeerAccounts = new HashSet<AccountId> { AccepterAccount } };

        var outcome = new PeeringPlanner(policy).Plan(Request(), RequesterSide(), AccepterSide());

        outcome.IsAccepted.ShouldBeTrue(string.Join("; ", outcome.Reasons));
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsRegionGivenRegionNotManaged()
    {
        var outcome = planner.Plan(Request(accepterRegion: AwsRegion.Parse("ap-south-1")), RequesterSide(), AccepterSide());

        outcome.Reasons.ShouldHaveSingleItem().Code.ShouldBe(ReasonCodes.RegionNotManaged);
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsVpcGivenVpcMissing()
    {
        var outcome = planner.Plan(Request(), RequesterSide(), new SideSnapshot());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.VpcNotFound);
        reason.Message.ShouldContain(AccepterVpc.Value);
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsVpcGivenOwnedByAnotherAccount()
    {
        var accepter = AccepterSide(Vpc(AccepterVpc, AccountId.Parse("333333333333"), ["10.20.0.0/16"]));

        var outcome = planner.Plan(Request(), RequesterSide(), accepter);

        outcome.Reasons.ShouldHaveSingleItem().Message.ShouldContain("owned by account 333333333333");
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsDuplicateGivenLivePeeringOfAnotherRequest()
    {
        var existing = Peering("pcx-0000000000000000c", PeeringStatus.Active, requestId: "someone-else");

        var outcome = planner.Plan(Request(), RequesterSide(peerings: [existing]), AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.DuplicatePeering);
        reason.Message.ShouldContain("pcx-0000000000000000c");
    }

    [Fact]
    public void PeeringPlannerPlan_ContinuesWithOwnPeeringGivenSameRequestId()
    {
        var ours = Peering("pcx-0000000000000000c", PeeringStatus.PendingAcceptance, requestId: "chg-1");

        var outcome = planner.Plan(Request(), RequesterSide(peerings: [ours]), AccepterSide());

        outcome.Reasons.ShouldBeEmpty();
        outcome.Plan!.ExistingPeeringId.ShouldBe(ours.Id);
    }

    [Fact]
    public void PeeringPlannerPlan_IgnoresDeletedPeeringGivenSamePair()
    {
        var old = Peering("pcx-0000000000000000c", PeeringStatus.Deleted, requestId: "old");

        planner.Plan(Request(), RequesterSide(peerings: [old]), AccepterSide()).IsAccepted.ShouldBeTrue();
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsQuotaGivenVpcAtPeeringLimit()
    {
        var policy = Policy() with { MaxPeeringsPerVpc = 2 };
        var others = Enumerable.Range(1, 2).Select(i => Peering($"pcx-00000000000000{i:x3}", PeeringStatus.Active) with
        {
            Accepter = new PeeringSideInfo(AccepterAccount, EuWest1, VpcId.Parse($"vpc-00000000000000{i:x3}")),
        }).ToList();

        var outcome = new PeeringPlanner(policy).Plan(Request(), RequesterSide(peerings: others), AccepterSide());

        outcome.Reasons.ShouldHaveSingleItem().Code.ShouldBe(ReasonCodes.PeeringQuotaExceeded);
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsRouteQuotaGivenFullTable()
    {
        var routes = Enumerable.Range(0, 50)
            .Select(i => new Route(Cidr.Parse($"172.16.{i}.0/24"), RouteTargetKind.TransitGateway, "tgw-1", "active"))
            .Append(LocalRoute("10.1.0.0/16"))
            .ToArray();

        var outcome = planner.Plan(Request(), RequesterSide(table: Table(RequesterTable, RequesterVpc, routes)), AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.RouteQuotaExceeded);
        reason.Message.ShouldContain("IPv4");
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsConflictGivenDestinationRoutedToTransitGateway()
    {
        var table = Table(RequesterTable, RequesterVpc, LocalRoute("10.1.0.0/16"),
            new Route(Cidr.Parse("10.20.0.0/16"), RouteTargetKind.TransitGateway, "tgw-0123", "active"));

        var outcome = planner.Plan(Request(), RequesterSide(table: table), AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.RouteConflict);
        reason.Message.ShouldContain("tgw-0123");
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsConflictGivenMoreSpecificBlackhole()
    {
        var table = Table(RequesterTable, RequesterVpc, LocalRoute("10.1.0.0/16"),
            new Route(Cidr.Parse("10.20.3.0/24"), RouteTargetKind.PeeringConnection, "pcx-00000000000000dead", "blackhole"));

        var outcome = planner.Plan(Request(), RequesterSide(table: table), AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.RouteConflict);
        reason.Message.ShouldContain("blackhole");
    }

    [Fact]
    public void PeeringPlannerPlan_AllowsWiderRouteElsewhereGivenOursIsMoreSpecific()
    {
        var table = Table(RequesterTable, RequesterVpc, LocalRoute("10.1.0.0/16"),
            new Route(Cidr.Parse("10.0.0.0/8"), RouteTargetKind.TransitGateway, "tgw-0123", "active"));

        planner.Plan(Request(), RequesterSide(table: table), AccepterSide()).IsAccepted.ShouldBeTrue();
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsUnknownTableGivenRouteTableOfAnotherVpc()
    {
        var request = Request() with
        {
            Requester = Request().Requester with { RouteTableIds = [RouteTableId.Parse("rtb-0000000000000ffff")] },
        };

        var outcome = planner.Plan(request, RequesterSide(), AccepterSide());

        outcome.Reasons.ShouldHaveSingleItem().Message.ShouldContain("requester.routeTableIds[0]");
    }

    [Fact]
    public void PeeringPlannerPlan_PlansRulesFromPeerBlocksGivenTcpPort()
    {
        var outcome = planner.Plan(Request(requesterIngress: [Tcp(443)]), RequesterSide(), AccepterSide());

        var rules = outcome.Plan!.Requester.GroupRules.ShouldHaveSingleItem();
        rules.SecurityGroupId.ShouldBe(RequesterGroup);
        rules.Permissions.Select(p => p.SourceCidr!.ToString()).ShouldBe(["10.20.0.0/16", "2a05:d018:2::/56"], ignoreOrder: true);
        rules.Permissions.ShouldAllBe(p => p.Protocol == "tcp" && p.FromPort == 443 && p.ToPort == 443
                                          && p.Description == "peering-automation chg-1");
        outcome.Plan.Accepter.GroupRules.ShouldBeEmpty();
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsGroupGivenGroupOfAnotherVpc()
    {
        var outcome = planner.Plan(Request(requesterIngress: [Tcp(443, AccepterGroup)]), RequesterSide(), AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.SecurityGroupNotInVpc);
        reason.Message.ShouldContain("requester.ingressFromPeer[0].securityGroupId");
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsAllTrafficGivenPolicyForbidsIt()
    {
        var all = new IngressRequest { SecurityGroupId = RequesterGroup, Protocol = "-1", FromPort = -1, ToPort = -1 };

        var outcome = planner.Plan(Request(requesterIngress: [all]), RequesterSide(), AccepterSide());

        outcome.Reasons.ShouldHaveSingleItem().Code.ShouldBe(ReasonCodes.TrafficNotAllowed);
    }

    [Fact]
    public void PeeringPlannerPlan_AllowsAllTrafficGivenPolicyAllowsIt()
    {
        var all = new IngressRequest { SecurityGroupId = RequesterGroup, Protocol = "-1", FromPort = -1, ToPort = -1 };

        var outcome = new PeeringPlanner(Policy() with { AllowAllTraffic = true })
            .Plan(Request(requesterIngress: [all]), RequesterSide(), AccepterSide());

        outcome.IsAccepted.ShouldBeTrue();
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsRuleGivenSameRuleOwnedBySomeoneElse()
    {
        var foreign = new IngressPermission
        {
            Protocol = "tcp", FromPort = 443, ToPort = 443, SourceCidr = Cidr.Parse("10.20.0.0/16"), Description = "hand-made",
        };
        var requester = RequesterSide() with { SecurityGroups = [Group(RequesterGroup, RequesterVpc, RequesterAccount, foreign)] };

        var outcome = planner.Plan(Request(requesterIngress: [Tcp(443)]), requester, AccepterSide());

        var reason = outcome.Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe(ReasonCodes.RuleConflict);
        reason.Message.ShouldContain("hand-made");
    }

    [Fact]
    public void PeeringPlannerPlan_RejectsRuleQuotaGivenFullGroup()
    {
        var full = Enumerable.Range(0, 60).Select(i => new IngressPermission
        {
            Protocol = "tcp", FromPort = 1000 + i, ToPort = 1000 + i, SourceCidr = Cidr.Parse("172.16.0.0/12"),
        }).ToArray();
        var requester = RequesterSide() with { SecurityGroups = [Group(RequesterGroup, RequesterVpc, RequesterAccount, full)] };

        var outcome = planner.Plan(Request(requesterIngress: [Tcp(443)]), requester, AccepterSide());

        outcome.Reasons.ShouldHaveSingleItem().Code.ShouldBe(ReasonCodes.RuleQuotaExceeded);
    }

    [Fact]
    public void PeeringPlannerPlan_UsesOnlyIpv4SourcesGivenIcmp()
    {
        var icmp = new IngressRequest { SecurityGroupId = RequesterGroup, Protocol = "icmp", FromPort = 8, ToPort = -1 };

        var outcome = planner.Plan(Request(requesterIngress: [icmp]), RequesterSide(), AccepterSide());

        outcome.Plan!.Requester.GroupRules.ShouldHaveSingleItem().Permissions
            .ShouldAllBe(p => p.SourceCidr!.Family == IpFamily.IPv4);
    }
}
