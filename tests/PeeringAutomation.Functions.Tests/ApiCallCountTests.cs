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
    public async Task ProvisionPeering_MakesTwentyThreeEc2CallsGivenOneRuleOnOneSide()
    {
        var world = new ProvisioningWorld();

        await world.ProvisionAsync(world.Event());

        var calls = world.Ec2.Calls.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        calls.Values.Sum().ShouldBe(23, string.Join(", ", calls.Select(kv => $"{kv.Key}×{kv.Value}")));
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

        var resolution = await services.Teardowns.ResolveAsync(new Core.Requests.TeardownRequest { RequestId = RequestId.Parse("chg-42") });
        var target = resolution.Targets.Single();
        await services.Remover.RemoveAsync(target.RequestId, target.Requester, target.Accepter, target.PeeringId);

        // Resolve: one describe per managed account-region (4); remove: per side route tables,
        // groups, one delete route and one revoke where ours exist; then describe + delete peering.
        world.Ec2.Calls.Count.ShouldBe(4 + 2 + 2 + 2 + 1 + 2);
    }
}
