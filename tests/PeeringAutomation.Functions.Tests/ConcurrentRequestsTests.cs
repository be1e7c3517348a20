using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Tests;

public sealed class ConcurrentRequestsTests
{
    private readonly ProvisioningWorld world = new();

    [Fact]
    public async Task AcceptPeeringFunctionHandle_LeavesOnePeeringGivenTwoRequestsForTheSamePairCreatedTogether()
    {
        // Both validated before either created its peering: both plans are clean.
        var first = await ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle,
            world.Event(d => d["requestId"] = "chg-a"));
        var second = await ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle,
            world.Event(d => d["requestId"] = "chg-b"));
        first["peering"] = await ProvisioningWorld.InvokeAsync(new CreatePeeringFunction(world.Services).Handle, first);
        second["peering"] = await ProvisioningWorld.InvokeAsync(new CreatePeeringFunction(world.Services).Handle, second);
        var ids = new[] { first, second }.Select(s => s["peering"]!["peeringId"]!.GetValue<string>()).ToList();
        var (winner, loser) = string.CompareOrdinal(ids[0], ids[1]) < 0 ? (first, second) : (second, first);

        // The higher id withdraws; the lower waits while the other is still there.
        (await ProvisioningWorld.InvokeAsync(new AcceptPeeringFunction(world.Services).Handle, winner))["status"]!
            .GetValue<string>().ShouldBe(PeeringStatus.PendingAcceptance);
        await Should.ThrowAsync<PeeringConflict>(() =>
            ProvisioningWorld.InvokeAsync(new AcceptPeeringFunction(world.Services).Handle, loser));
        loser["error"] = new System.Text.Json.Nodes.JsonObject { ["Error"] = "PeeringConflict", ["Cause"] = "lost" };
        await ProvisioningWorld.InvokeAsync(new RollbackPeeringFunction(world.Services).Handle, loser);
        var status = (await ProvisioningWorld.InvokeAsync(new AcceptPeeringFunction(world.Services).Handle, winner))["status"]!;

        status.GetValue<string>().ShouldBe(PeeringStatus.Active);
        world.Ec2.Peerings.Values.Count(p => PeeringStatus.IsLive(p.Status)).ShouldBe(1);
    }

    [Fact]
    public async Task AcceptPeeringFunctionHandle_WithdrawsGivenCompetitorAlreadyAccepted()
    {
        var first = await ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle,
            world.Event(d => d["requestId"] = "chg-a"));
        var second = await ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle,
            world.Event(d => d["requestId"] = "chg-b"));
        first["peering"] = await ProvisioningWorld.InvokeAsync(new CreatePeeringFunction(world.Services).Handle, first);
        // The first saw no competitor and accepted before the second even created its peering.
        await ProvisioningWorld.InvokeAsync(new AcceptPeeringFunction(world.Services).Handle, first);
        second["peering"] = await ProvisioningWorld.InvokeAsync(new CreatePeeringFunction(world.Services).Handle, second);

        var error = await Should.ThrowAsync<PeeringConflict>(() =>
            ProvisioningWorld.InvokeAsync(new AcceptPeeringFunction(world.Services).Handle, second));

        error.Message.ShouldContain("DuplicatePeering");
        error.Message.ShouldContain(first["peering"]!["peeringId"]!.GetValue<string>());
    }
}
