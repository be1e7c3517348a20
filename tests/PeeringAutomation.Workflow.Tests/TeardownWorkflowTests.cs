using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

[Collection(WorldStackCollection.Name)]
public sealed class TeardownWorkflowTests(WorldStack world)
{
    private const string Teardown = "TeardownPeeringStateMachine";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);


    private async Task<ExecutionResult> TearDownAsync(JsonObject detail)
    {
        var execution = await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.PutEventAsync("Peering Teardown Requested", detail), Timeout);
        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        return execution;
    }

    private async Task ShouldBeGoneAsync(string pcx, string a, string b, string requestId)
    {
        (await world.PeeringsBetweenAsync(a, b)).Single(p => p.VpcPeeringConnectionId == pcx).Status.Code.Value.ShouldBe("deleted");
        (await world.RoutesToAsync(a, pcx)).ShouldBeEmpty();
        (await world.RoutesToAsync(b, pcx)).ShouldBeEmpty();
        foreach (var vpc in new[] { a, b })
        {
            var ec2 = await world.Ec2For(vpc);
            var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                Filters = [new Filter("vpc-id", [Stack.World.IdOf(vpc)])],
            });
            groups.SecurityGroups.SelectMany(g => g.IpPermissions ?? []).SelectMany(p => p.Ipv4Ranges ?? [])
                .ShouldNotContain(r => r.Description == $"peering-automation {requestId}");
        }
    }

    [Fact]
    public async Task TeardownPeering_RemovesPeeringRoutesAndOwnRulesGivenRequestId()
    {
        var pcx = await world.ProvisionAsync(Build.Request("td-by-request", Build.Side("a8"), Build.Side("b5", Build.Tcp("b5-db", 5432))), "a8", "b5");

        await TearDownAsync(new JsonObject { ["requestId"] = "td-by-request" });

        await ShouldBeGoneAsync(pcx, "a8", "b5", "td-by-request");
        var outcome = await Stack.Driver.WaitForOutcomeAsync("Peering Torn Down",
            e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx, Timeout);
        outcome["detail"]!["trigger"]!.GetValue<string>().ShouldBe("requested");
        outcome["detail"]!["removed"]!["peeringDeleted"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task TeardownPeering_RemovesPeeringAndKeepsOthersRulesGivenPeeringId()
    {
        var ec2 = await world.Ec2For("b1");
        await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = Stack.World.IdOf("b1-db"),
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 9100, ToPort = 9100, Ipv4Ranges = [new IpRange { CidrIp = "10.250.0.0/16", Description = "monitoring" }] }],
        });
        var pcx = await world.ProvisionAsync(Build.Request("td-by-pcx", Build.Side("b1", Build.Tcp("b1-db", 5432)), Build.Side("b9")), "b1", "b9");
        var b1 = Stack.World.Vpc("b1");

        await TearDownAsync(new JsonObject { ["vpcPeeringConnectionId"] = pcx, ["accountId"] = b1.AccountId, ["region"] = b1.Region });

        await ShouldBeGoneAsync(pcx, "b1", "b9", "td-by-pcx");
        var remaining = (await world.IngressAsync("b1", "b1-db")).ShouldHaveSingleItem();
        remaining.Ipv4Ranges.Single().Description.ShouldBe("monitoring");
    }

    [Fact]
    public async Task TeardownPeering_EndsCleanGivenRepeatedAndHalfRemovedTeardown()
    {
        var pcx = await world.ProvisionAsync(Build.Request("td-half", "a7", "c2"), "a7", "c2");
        // Half removed by hand: the requester's route is already gone.
        var ec2 = await world.Ec2For("a7");
        var route = (await world.RoutesToAsync("a7", pcx)).Single();
        await ec2.DeleteRouteAsync(new DeleteRouteRequest { RouteTableId = Stack.World.Vpc("a7").MainRouteTableId, DestinationCidrBlock = route.DestinationCidrBlock });

        await TearDownAsync(new JsonObject { ["requestId"] = "td-half" });
        var again = await TearDownAsync(new JsonObject { ["requestId"] = "td-half" });

        again.StatesEntered.ShouldContain("Tear down each peering");
        await ShouldBeGoneAsync(pcx, "a7", "c2", "td-half");
    }

    [Fact]
    public async Task TeardownPeering_RefusesAndChangesNothingGivenHandMadePeering()
    {
        var c5 = Stack.World.Vpc("c5");
        var handMade = await world.RequestPeeringByHandAsync("c5", "b6");

        var execution = await TearDownAsync(new JsonObject { ["vpcPeeringConnectionId"] = handMade, ["accountId"] = c5.AccountId, ["region"] = c5.Region });

        execution.StatesEntered.ShouldContain("Emit Peering Teardown Rejected");
        var rejected = await Stack.Driver.WaitForOutcomeAsync("Peering Teardown Rejected",
            e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == handMade, Timeout);
        rejected["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("PeeringNotManaged");
        (await world.PeeringsBetweenAsync("c5", "b6")).Single(p => p.VpcPeeringConnectionId == handMade).Status.Code.Value.ShouldBe("pending-acceptance");
    }

    [Fact]
    public async Task TeardownPeering_TearsDownByItselfGivenExpiresAtPassed()
    {
        var request = Build.Request("td-expiry", "a4", "b7");
        // Far enough ahead to pass validation on a slow machine; then wait only what is left.
        var expiresAt = DateTimeOffset.UtcNow + WorldStack.ExpiryMargin;
        request["expiresAt"] = expiresAt.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var pcx = await world.ProvisionAsync(request, "a4", "b7");
        if (expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is { Ticks: > 0 } left)
        {
            await Task.Delay(left);
        }

        // The expiry sweep is a schedule; fire its tick now instead of waiting for the rate.
        var eventId = await Stack.Driver.FireScheduleAsync("TeardownPeeringStateMachineExpirySweep");
        var execution = await Stack.Driver.WaitForExecutionAsync(Teardown, eventId, Timeout);

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        await ShouldBeGoneAsync(pcx, "a4", "b7", "td-expiry");
        var outcome = await Stack.Driver.WaitForOutcomeAsync("Peering Torn Down",
            e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx, Timeout);
        outcome["detail"]!["trigger"]!.GetValue<string>().ShouldBe("expired");
    }
}
