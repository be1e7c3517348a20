using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// EC2 calls per operation, counted on the in-memory EC2 (deterministic, unlike time). The
/// numbers are the README's "API calls per operation" table; a change that adds calls must
/// update both.
/// </summary>
public sealed class ApiCallCountTests
{
    [Fact]
    public async Task ProvisionPeering_MakesTwentyFiveEc2AndFiveLedgerCallsGivenOneRuleOnOneSide()
    {
        var world = new ProvisioningWorld();

        await world.ProvisionAsync(world.Event());

        var calls = world.Ec2.Calls.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        // 21 to provision, and 4 for the network ACL warnings (route tables and ACLs of each side).
        calls.Values.Sum().ShouldBe(25, string.Join(", ", calls.Select(kv => $"{kv.Key}×{kv.Value}")));
        calls["ec2:CreateTags"].ShouldBe(1, "the requester side is tagged at creation; only the accepter tags its side");
        // The claim (record + pair lock), Provisioning with the plan, read + peering id at create, Provisioned.
        world.Ledger.Calls.ShouldBe(["TransactWriteItems", "UpdateItem", "GetItem", "TransactWriteItems", "UpdateItem"]);
        calls["ec2:CreateVpcPeeringConnection"].ShouldBe(1);
        calls["ec2:AcceptVpcPeeringConnection"].ShouldBe(1);
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
