using System.Text.Json.Nodes;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Tests;

public sealed class ProvisioningHandlersTests
{
    private readonly ProvisioningWorld world = new();

    [Fact]
    public async Task ProvisioningHandlers_ProvisionActivePeeringWithRoutesAndRulesGivenValidRequest()
    {
        var state = await world.ProvisionAsync(world.Event());

        var peering = world.Ec2.Peerings.Values.ShouldHaveSingleItem();
        peering.Status.ShouldBe(PeeringStatus.Active);
        peering.Tags[ManagedMarkers.RequestIdTag].ShouldBe("chg-42");
        world.Ec2.RouteTables.Single(t => t.Table.Id == world.RequesterTable).Table.Routes
            .ShouldContain(r => r.Destination.ToString() == "10.20.0.0/16" && r.TargetId == peering.Id.Value);
        world.Ec2.RouteTables.Single(t => t.Table.Id == world.AccepterTable).Table.Routes
            .ShouldContain(r => r.Destination.ToString() == "10.1.0.0/16" && r.TargetId == peering.Id.Value);
        var rule = world.Ec2.Groups.Single(g => g.Group.Id == world.RequesterGroup).Group.Ingress.ShouldHaveSingleItem();
        rule.SourceCidr!.ToString().ShouldBe("10.20.0.0/16");
        rule.Description.ShouldBe("peering-automation chg-42");
        world.Ec2.Groups.Single(g => g.Group.Id == world.AccepterGroup).Group.Ingress.ShouldBeEmpty();

        var outcome = state["provisioned"]!["outcome"]!;
        outcome["vpcPeeringConnectionId"]!.GetValue<string>().ShouldBe(peering.Id.Value);
        outcome["crossRegion"]!.GetValue<bool>().ShouldBeTrue();
        outcome["dataTransferNote"]!.GetValue<string>().ShouldContain("inter-region");
        outcome["vpcsWithoutFlowLogs"]!.AsArray().ShouldHaveSingleItem()!["vpcId"]!.GetValue<string>()
            .ShouldBe(world.AccepterVpc.Value);
    }

    [Fact]
    public async Task ProvisioningHandlers_CreateNothingMoreGivenTheWholeExecutionRunTwice()
    {
        // A redriven execution keeps its ARN: it owns the claim and re-runs every step.
        await world.ProvisionAsync(world.Event());
        var routesBefore = world.Ec2.RouteTables.Sum(t => t.Table.Routes.Count);

        var second = await world.ProvisionAsync(world.Event());

        second["accepted"]!.GetValue<bool>().ShouldBeTrue();
        world.Ec2.Peerings.Count.ShouldBe(1);
        world.Ec2.RouteTables.Sum(t => t.Table.Routes.Count).ShouldBe(routesBefore);
        world.Ec2.Groups.Sum(g => g.Group.Ingress.Count).ShouldBe(1);
    }

    [Fact]
    public async Task ProvisioningHandlers_RejectWithReasonsAndCreateNothingGivenOverlap()
    {
        world.Ec2.Vpcs[1] = (world.Ec2.Vpcs[1].Scope, world.Ec2.Vpcs[1].Vpc with { Ipv4Blocks = [Cidr.Parse("10.1.128.0/20")] });

        var state = await world.ProvisionAsync(world.Event());

        state["accepted"]!.GetValue<bool>().ShouldBeFalse();
        var reason = state["outcome"]!["reasons"]!.AsArray().ShouldHaveSingleItem()!;
        reason["code"]!.GetValue<string>().ShouldBe("CidrOverlap");
        state["outcome"]!["requester"]!["vpcId"]!.GetValue<string>().ShouldBe(world.RequesterVpc.Value);
        world.Ec2.Peerings.ShouldBeEmpty();
        world.Ec2.Calls.ShouldNotContain(c => c.StartsWith("ec2:Create"));
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_RejectsWithFieldNamesGivenMalformedEvent()
    {
        var envelope = world.Event(d => ((JsonObject)d["requester"]!)["vpcId"] = "vpc-nope");

        var state = await ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle, envelope);

        state["accepted"]!.GetValue<bool>().ShouldBeFalse();
        state["outcome"]!["reasons"]!.AsArray().ShouldContain(r => r!["message"]!.GetValue<string>().Contains("requester.vpcId"));
        state["outcome"]!["requestId"]!.GetValue<string>().ShouldBe("chg-42");
        world.Ec2.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task RollbackPeeringFunctionHandle_RemovesOnlyWhatTheRequestAddedGivenAProvisionedPeering()
    {
        var foreign = new IngressPermission
        {
            Protocol = "tcp", FromPort = 22, ToPort = 22, SourceCidr = Cidr.Parse("192.168.0.0/16"), Description = "bastion",
        };
        var index = world.Ec2.Groups.FindIndex(g => g.Group.Id == world.RequesterGroup);
        world.Ec2.Groups[index] = (world.Ec2.Groups[index].Scope, world.Ec2.Groups[index].Group with { Ingress = [foreign] });
        var state = await world.ProvisionAsync(world.Event());
        state["error"] = new JsonObject { ["Error"] = "PeeringConflict", ["Cause"] = "injected" };

        var rollback = await ProvisioningWorld.InvokeAsync(new RollbackPeeringFunction(world.Services).Handle, state);

        world.Ec2.Peerings.Values.ShouldHaveSingleItem().Status.ShouldBe(PeeringStatus.Deleted);
        world.Ec2.RouteTables.SelectMany(t => t.Table.Routes).ShouldAllBe(r => r.TargetKind == RouteTargetKind.Local);
        world.Ec2.Groups.Single(g => g.Group.Id == world.RequesterGroup).Group.Ingress.ShouldHaveSingleItem().ShouldBe(foreign);
        var outcome = rollback["outcome"]!;
        outcome["error"]!.GetValue<string>().ShouldBe("PeeringConflict");
        outcome["rolledBack"]!["peeringDeleted"]!.GetValue<bool>().ShouldBeTrue();
    }
}
