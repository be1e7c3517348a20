using System.Text.Json.Nodes;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Functions.Teardown;

namespace PeeringAutomation.Functions.Tests;

public sealed class TeardownTests
{
    private readonly ProvisioningWorld world = new();

    public static JsonObject TeardownEvent(JsonObject detail) => new()
    {
        ["version"] = "0", ["id"] = "0d4b6c1e-5e0f-4d8b-9c61-2f1f0f5b9a11", ["detail-type"] = "Peering Teardown Requested",
        ["source"] = "vpc-peering", ["account"] = "123456789012", ["time"] = "2026-11-27T10:00:00Z",
        ["region"] = "us-east-1", ["resources"] = new JsonArray(), ["detail"] = detail,
    };

    internal static JsonObject ScheduledEvent() => new()
    {
        ["version"] = "0", ["id"] = "5d4b6c1e-5e0f-4d8b-9c61-2f1f0f5b9a11", ["detail-type"] = "Scheduled Event",
        ["source"] = "aws.events", ["account"] = "123456789012", ["time"] = "2026-11-27T10:00:00Z",
        ["region"] = "us-east-1", ["resources"] = new JsonArray("arn:aws:events:us-east-1:123456789012:rule/expiry"),
        ["detail"] = new JsonObject(),
    };

    private async Task<JsonNode> TearDownAsync(JsonObject envelope)
    {
        var resolved = await ProvisioningWorld.InvokeAsync(new ResolveTeardownFunction(world.Services).Handle, envelope);
        if (resolved["accepted"]!.GetValue<bool>())
        {
            foreach (var target in resolved["targets"]!.AsArray())
            {
                await ProvisioningWorld.InvokeAsync(new TeardownPeeringFunction(world.Services).Handle, target!.DeepClone());
            }
        }
        return resolved;
    }

    [Fact]
    public async Task TeardownFunctions_RemovePeeringRoutesAndOwnRulesGivenRequestId()
    {
        await world.ProvisionAsync(world.Event());

        var resolved = await TearDownAsync(TeardownEvent(new JsonObject { ["requestId"] = "chg-42" }));

        resolved["accepted"]!.GetValue<bool>().ShouldBeTrue();
        // The Map's item keeps the state machine's spelling of a side: {account, region, vpcId}, no derived scope.
        resolved["targets"]![0]!["requester"]!.AsObject().Select(p => p.Key).ShouldBe(["account", "region", "vpcId"]);
        world.Ec2.Peerings.Values.ShouldHaveSingleItem().Status.ShouldBe(PeeringStatus.Deleted);
        world.Ec2.RouteTables.SelectMany(t => t.Table.Routes).ShouldAllBe(r => r.TargetKind == RouteTargetKind.Local);
        world.Ec2.Groups.SelectMany(g => g.Group.Ingress).ShouldBeEmpty();
    }

    [Fact]
    public async Task TeardownFunctions_RemovePeeringGivenPeeringIdWithRequesterScope()
    {
        await world.ProvisionAsync(world.Event());
        var id = world.Ec2.Peerings.Keys.Single();

        await TearDownAsync(TeardownEvent(new JsonObject
        {
            ["vpcPeeringConnectionId"] = id.Value,
            ["accountId"] = ProvisioningWorld.Requester.Account.Value,
            ["region"] = ProvisioningWorld.Requester.Region.Value,
        }));

        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.Deleted);
    }

    [Fact]
    public async Task TeardownFunctions_SucceedAndChangeNothingGivenRepeatedTeardown()
    {
        await world.ProvisionAsync(world.Event());
        await TearDownAsync(TeardownEvent(new JsonObject { ["requestId"] = "chg-42" }));

        var again = await TearDownAsync(TeardownEvent(new JsonObject { ["requestId"] = "chg-42" }));

        again["accepted"]!.GetValue<bool>().ShouldBeTrue();
        world.Ec2.Peerings.Values.ShouldHaveSingleItem().Status.ShouldBe(PeeringStatus.Deleted);
    }

    [Fact]
    public async Task ResolveTeardownFunctionHandle_RefusesAndChangesNothingGivenUnmanagedPeering()
    {
        var gateway = await world.Ec2.ForAsync(ProvisioningWorld.Requester);
        var handMade = await gateway.CreatePeeringConnectionAsync(world.RequesterVpc,
            new PeeringSideInfo(ProvisioningWorld.Accepter.Account, ProvisioningWorld.Accepter.Region, world.AccepterVpc),
            new Dictionary<string, string>());

        var resolved = await TearDownAsync(TeardownEvent(new JsonObject
        {
            ["vpcPeeringConnectionId"] = handMade.Id.Value,
            ["accountId"] = ProvisioningWorld.Requester.Account.Value,
            ["region"] = ProvisioningWorld.Requester.Region.Value,
        }));

        resolved["accepted"]!.GetValue<bool>().ShouldBeFalse();
        resolved["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("PeeringNotManaged");
        world.Ec2.Peerings[handMade.Id].Status.ShouldBe(PeeringStatus.PendingAcceptance);
    }

    [Fact]
    public async Task ResolveTeardownFunctionHandle_RefusesGivenPeeringTaggedManagedButUnknownToTheLedger()
    {
        // Someone in the requester account tags a hand-made peering as if the automation owned it.
        var forged = await world.RequestFromOutsideAsync(ProvisioningWorld.Requester, "172.31.0.0/16");
        var gateway = await world.Ec2.ForAsync(ProvisioningWorld.Requester);
        await gateway.CreateTagsAsync(forged.Value, new Dictionary<string, string>
        {
            [ManagedMarkers.ManagedTag] = "true", [ManagedMarkers.RequestIdTag] = "chg-42",
        });

        var resolved = await TearDownAsync(TeardownEvent(new JsonObject
        {
            ["vpcPeeringConnectionId"] = forged.Value, ["accountId"] = ProvisioningWorld.Requester.Account.Value,
            ["region"] = ProvisioningWorld.Requester.Region.Value,
        }));

        resolved["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("PeeringNotManaged");
        world.Ec2.Peerings[forged].Status.ShouldBe(PeeringStatus.PendingAcceptance);
    }

    [Fact]
    public async Task ResolveTeardownFunctionHandle_RefusesGivenUnknownRequestId()
    {
        var resolved = await TearDownAsync(TeardownEvent(new JsonObject { ["requestId"] = "never-made" }));

        resolved["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("PeeringNotFound");
    }

    [Fact]
    public async Task ResolveTeardownFunctionHandle_RefusesGivenAccountNotManaged()
    {
        var resolved = await TearDownAsync(TeardownEvent(new JsonObject
        {
            ["vpcPeeringConnectionId"] = "pcx-0123456789abcdef0", ["accountId"] = "999999999999", ["region"] = "us-east-1",
        }));

        resolved["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccountNotAllowed");
    }

    [Fact]
    public async Task ResolveTeardownFunctionHandle_FindsOnlyExpiredPeeringsGivenScheduledEvent()
    {
        await world.ProvisionAsync(world.Event(d => d["expiresAt"] = DateTimeOffset.UtcNow.AddDays(3).ToString("yyyy-MM-ddTHH:mm:ssZ")));
        var id = world.Ec2.Peerings.Keys.Single();
        var requestId = RequestId.Parse("chg-42");
        // Time passes: the ledger's expiry, not the tag, is what the sweep reads.
        world.Ledger.Records[requestId] = world.Ledger.Records[requestId] with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) };
        while (world.Ec2.Calls.TryDequeue(out _))
        {
        }

        var resolved = await TearDownAsync(ScheduledEvent());

        resolved["targets"]!.AsArray().ShouldHaveSingleItem()!["trigger"]!.GetValue<string>().ShouldBe("expired");
        world.Ec2.Peerings[id].Status.ShouldBe(PeeringStatus.Deleted);
        world.Ledger.Records[requestId].Status.ShouldBe("TornDown");
        world.Ledger.Locks.ShouldBeEmpty();
        // One describe, by the removal before it deletes: the sweep itself reads the ledger, not EC2.
        world.Ec2.Calls.Count(c => c == "ec2:DescribeVpcPeeringConnections").ShouldBe(1);
    }

    [Fact]
    public async Task ResolveTeardownFunctionHandle_KeepsPeeringGivenExpiryInTheFuture()
    {
        await world.ProvisionAsync(world.Event(d => d["expiresAt"] = DateTimeOffset.UtcNow.AddDays(3).ToString("yyyy-MM-ddTHH:mm:ssZ")));

        var resolved = await TearDownAsync(ScheduledEvent());

        resolved["targets"]!.AsArray().ShouldBeEmpty();
        world.Ec2.Peerings.Values.ShouldHaveSingleItem().Status.ShouldBe(PeeringStatus.Active);
    }
}
