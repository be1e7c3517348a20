using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Core.Tests;

public sealed class NaclEvaluatorTests
{
    private static readonly Cidr Peer = Cidr.Parse("10.20.0.0/16");
    private static readonly Cidr Peer6 = Cidr.Parse("2600:1f18:1234:5600::/56");
    private static readonly NaclFlow Postgres = new("tcp", 5432, 5432, Peer);

    private static NetworkAcl Acl(params NetworkAclEntry[] entries) => new()
    {
        Id = "acl-0123456789abcdef0", VpcId = VpcId.Parse("vpc-0123456789abcdef0"), IsDefault = false,
        SubnetIds = ["subnet-1"], Entries = entries,
    };

    private static NetworkAclEntry In(int rule, string protocol, bool allow, string cidr, int? from = null, int? to = null) =>
        new(rule, false, protocol, allow, Cidr.Parse(cidr), from, to);

    private static NetworkAclEntry Out(int rule, string protocol, bool allow, string cidr, int? from = null, int? to = null) =>
        new(rule, true, protocol, allow, Cidr.Parse(cidr), from, to);

    /// <summary>AWS's default ACL: allow everything both ways (then the deny-all that moto omits).</summary>
    private static readonly NetworkAclEntry[] AllowAll =
    [
        In(100, "-1", true, "0.0.0.0/0"), Out(100, "-1", true, "0.0.0.0/0"),
        In(32767, "-1", false, "0.0.0.0/0"), Out(32767, "-1", false, "0.0.0.0/0"),
    ];

    [Fact]
    public void NaclEvaluatorJudge_WarnsNothingGivenTheDefaultAllowAll()
    {
        NaclEvaluator.Judge("accepter", [Acl(AllowAll)], ["subnet-1"], [Postgres], inbound: true).ShouldBeEmpty();
        NaclEvaluator.Judge("requester", [Acl(AllowAll)], ["subnet-1"], [Postgres], inbound: false).ShouldBeEmpty();
    }

    [Fact]
    public void NaclEvaluatorJudge_WarnsWithTheDenyRuleGivenADenyBeforeAnAllow()
    {
        var acl = Acl(In(90, "6", false, "10.20.5.0/24", 5432, 5432), In(100, "-1", true, "0.0.0.0/0"), Out(100, "-1", true, "0.0.0.0/0"));

        var warning = NaclEvaluator.Judge("accepter", [acl], ["subnet-1"], [Postgres], inbound: true).ShouldHaveSingleItem();

        warning.RuleNumber.ShouldBe(90);
        warning.Direction.ShouldBe("ingress");
        warning.Ports.ShouldBe("5432-5432");
        warning.SubnetId.ShouldBe("subnet-1");
        warning.NetworkAclId.ShouldBe("acl-0123456789abcdef0");
    }

    [Fact]
    public void NaclEvaluatorJudge_AllowsGivenTheAllowNumberedBeforeTheDeny()
    {
        var acl = Acl(In(80, "6", true, "10.20.0.0/16", 5432, 5432), In(90, "-1", false, "0.0.0.0/0"), Out(100, "-1", true, "0.0.0.0/0"));

        NaclEvaluator.Judge("accepter", [acl], ["subnet-1"], [Postgres], inbound: true).ShouldBeEmpty();
    }

    [Fact]
    public void NaclEvaluatorJudge_WarnsOnTheReturnPathGivenNoEphemeralPortsOut()
    {
        // The request is allowed in, but only port 5432 is allowed out: the replies to the peer's ephemeral ports are dropped.
        var acl = Acl(In(100, "6", true, "10.20.0.0/16", 5432, 5432), Out(100, "6", true, "10.20.0.0/16", 5432, 5432));

        var warning = NaclEvaluator.Judge("accepter", [acl], ["subnet-1"], [Postgres], inbound: true).ShouldHaveSingleItem();

        warning.Direction.ShouldBe("egress");
        warning.Ports.ShouldBe("1024-65535");
        warning.RuleNumber.ShouldBe(NaclEvaluator.ImplicitDenyRule);
        warning.Message.ShouldContain("ephemeral");
    }

    [Fact]
    public void NaclEvaluatorJudge_WarnsGivenOnlyPartOfTheEphemeralRangeAllowed()
    {
        var acl = Acl(In(100, "-1", true, "0.0.0.0/0"), Out(100, "6", true, "10.20.0.0/16", 32768, 61000));

        NaclEvaluator.Judge("accepter", [acl], ["subnet-1"], [Postgres], inbound: true).ShouldHaveSingleItem().Direction.ShouldBe("egress");
    }

    [Fact]
    public void NaclEvaluatorJudge_KeepsIpv6EntriesApartGivenAnIpv6Peer()
    {
        // IPv4 allow-all never matches IPv6 traffic; the ::/0 entries decide.
        var ipv4Only = Acl(AllowAll);
        var withIpv6 = Acl([.. AllowAll, In(101, "-1", true, "::/0"), Out(101, "-1", true, "::/0")]);
        var flow = new NaclFlow("tcp", 443, 443, Peer6);

        NaclEvaluator.Judge("accepter", [ipv4Only], ["subnet-1"], [flow], inbound: true).Select(w => w.Direction).ShouldBe(["ingress", "egress"]);
        NaclEvaluator.Judge("accepter", [withIpv6], ["subnet-1"], [flow], inbound: true).ShouldBeEmpty();
    }

    [Fact]
    public void NaclEvaluatorJudge_ChecksRequestOutAndReplyInGivenTheSourceSide()
    {
        var acl = Acl(In(100, "6", true, "10.20.0.0/16", 5432, 5432), Out(100, "-1", true, "0.0.0.0/0"));

        var warning = NaclEvaluator.Judge("requester", [acl], ["subnet-1"], [Postgres], inbound: false).ShouldHaveSingleItem();

        warning.Direction.ShouldBe("ingress");
        warning.Ports.ShouldBe("1024-65535");
    }
}
