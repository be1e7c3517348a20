using System.Text.Json.Nodes;

namespace PeeringAutomation.Workflow.Tests;

[Collection(WorldStackCollection.Name)]
public sealed class ProvisionPeeringWorkflowTests(WorldStack world)
{
    private const string Machine = "ProvisionPeeringStateMachine";

    private JsonObject Side(string vpcName, params JsonObject[] ingress)
    {
        var vpc = world.Stack.World.Vpc(vpcName);
        var side = new JsonObject { ["accountId"] = vpc.AccountId, ["region"] = vpc.Region, ["vpcId"] = vpc.VpcId };
        if (ingress.Length > 0)
        {
            side["ingressFromPeer"] = new JsonArray(ingress);
        }
        return side;
    }

    private JsonObject Tcp(string group, int port) => new()
    {
        ["securityGroupId"] = world.Stack.World.IdOf(group), ["protocol"] = "tcp", ["fromPort"] = port, ["toPort"] = port,
    };

    [Fact]
    public async Task ProvisionPeering_EndsActiveWithRoutesAndRulesGivenCrossAccountCrossRegionRequest()
    {
        var request = new JsonObject
        {
            ["requestId"] = "wf-xacct-xregion",
            ["requester"] = Side("payments-prod", Tcp("payments-prod-api", 443)),
            ["accepter"] = Side("analytics-prod"),
        };

        var eventId = await world.Stack.PutEventAsync("Peering Requested", request);
        var execution = await world.Stack.WaitForExecutionAsync(Machine, eventId, TimeSpan.FromSeconds(90));

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString() + string.Join(", ", execution.StatesEntered));
        var peering = (await world.PeeringsBetweenAsync("payments-prod", "analytics-prod")).ShouldHaveSingleItem();
        peering.Status.Code.Value.ShouldBe("active");
        (await world.RoutesToAsync("payments-prod", peering.VpcPeeringConnectionId)).ShouldNotBeEmpty();
        (await world.RoutesToAsync("analytics-prod", peering.VpcPeeringConnectionId)).ShouldNotBeEmpty();
        var outcome = await world.Stack.WaitForOutcomeAsync("Peering Provisioned",
            e => e["detail"]?["requestId"]?.GetValue<string>() == "wf-xacct-xregion");
        outcome["detail"]!["crossRegion"]!.GetValue<bool>().ShouldBeTrue();
    }
}
