using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// EC2 calls per operation, counted on the in-memory EC2 (deterministic, unlike time). The
/// numbers are the README's "Performance (measured)" table and its lower-bound argument; a change
/// that adds calls must update both.
/// </summary>
public sealed class ApiCallCountTests
{
    /// <summary>
    /// What a provisioning of one rule on one side, one table per side, must read and write at least once
    /// (README "EC2 calls per provisioning: the lower bound"): 12 reads — per side the VPC, its peerings,
    /// its route tables, its network ACLs and its flow logs, the one group with a rule, and the peering in
    /// the accepter's region before accepting — and 6 writes — create (tagged at birth), accept, the
    /// accepter side's tags, two routes, one authorize.
    /// </summary>
    public const int LowerBound = 18;

    [Fact]
    public async Task ProvisionPeering_MakesNineteenEc2AndFiveLedgerCallsGivenOneRuleOnOneSide()
    {
        var world = new ProvisioningWorld();

        await world.ProvisionAsync(world.Event());

        var calls = world.Ec2.Calls.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var detail = string.Join(", ", calls.Select(kv => $"{kv.Key}×{kv.Value}"));
        calls.Values.Sum().ShouldBe(19, detail);
        calls.Values.Sum().ShouldBeLessThanOrEqualTo((int)(1.2 * LowerBound), "the issue's goal: at most 1.2 × the lower bound");
        calls["ec2:CreateTags"].ShouldBe(1, "the requester side is tagged at creation; only the accepter tags its side");
        // Validation's reads are carried forward: routes and rules are written without a describe first
        // (a describe only when EC2 says the route or rule exists), the ACL check reuses the tables' subnets,
        // and the accept's answer reports the status.
        calls["ec2:DescribeRouteTables"].ShouldBe(2, detail);
        calls["ec2:DescribeSecurityGroups"].ShouldBe(1, detail);
        calls["ec2:DescribeVpcs"].ShouldBe(2, detail);
        calls["ec2:DescribeNetworkAcls"].ShouldBe(2, detail);
        calls["ec2:DescribeFlowLogs"].ShouldBe(2, detail);
        // Validation (both sides), the lost-answer guard before create, and the one before accept.
        calls["ec2:DescribeVpcPeeringConnections"].ShouldBe(4, detail);
        // The claim (record + pair lock), Provisioning with the plan, read + peering id at create, Provisioned.
        world.Ledger.Calls.ShouldBe(["TransactWriteItems", "UpdateItem", "GetItem", "TransactWriteItems", "UpdateItem"]);
        calls["ec2:CreateVpcPeeringConnection"].ShouldBe(1);
        calls["ec2:AcceptVpcPeeringConnection"].ShouldBe(1);
        calls["ec2:CreateRoute"].ShouldBe(2);
        calls["ec2:AuthorizeSecurityGroupIngress"].ShouldBe(1);
    }

    [Fact]
    public async Task ProvisionPeering_ChangesNothingMoreGivenEveryStepRunTwice()
    {
        var world = new ProvisioningWorld();
        var state = await world.ProvisionAsync(world.Event());
        var routes = world.Ec2.RouteTables.Sum(t => t.Table.Routes.Count);
        var rules = world.Ec2.Groups.Sum(g => g.Group.Ingress.Count);

        // The steps after validation again (a retried task): each finds its work done and succeeds.
        state.Remove("peering");
        await world.ContinueAsync(state);

        world.Ec2.RouteTables.Sum(t => t.Table.Routes.Count).ShouldBe(routes);
        world.Ec2.Groups.Sum(g => g.Group.Ingress.Count).ShouldBe(rules);
        world.Ec2.Peerings.Count.ShouldBe(1);
    }

    [Fact]
    public async Task TeardownPeering_MakesAFixedNumberOfCallsGivenOnePeering()
    {
        var world = new ProvisioningWorld();
        await world.ProvisionAsync(world.Event());
        world.Ec2.Calls.Clear();
        var services = world.Services;

        var resolution = await services.Teardowns.ResolveAsync(new Core.Requests.TeardownRequest { RequestId = RequestId.Parse("chg-42") }, "123456789012");
        var target = resolution.Targets.Single();
        await services.Remover.RemoveAsync((await world.Ledger.GetAsync(target.RequestId))!, target.PeeringId);

        // Resolve: the ledger only, no EC2; remove: per side the route tables and one delete route,
        // the recorded group (requester side only) and one revoke; then describe + delete peering.
        world.Ec2.Calls.Count.ShouldBe(2 + 2 + 1 + 1 + 2, string.Join(", ", world.Ec2.Calls));
    }
}
