using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

/// <summary>
/// The workflows under the AWS behaviour layer: the lag of an inter-region peering, a peering AWS
/// fails, per-side tags, and a teardown Map with one failing peering. Each test makes its own VPCs
/// so the shared world stays as other tests expect it.
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class AwsBehaviourWorkflowTests(WorldStack world)
{
    private const string Teardown = "TeardownPeeringStateMachine";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private LocalCloud Stack => world.Stack;

    private string TeamA => Stack.World.Vpc("a2").AccountId;

    private string TeamB => Stack.World.Vpc("b2").AccountId;

    private async Task<JsonObject> FreshVpcAsync(string account, string region, string cidr)
    {
        var ec2 = await Stack.Driver.Ec2Async(account, region);
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = cidr })).Vpc.VpcId;
        return new JsonObject { ["accountId"] = account, ["region"] = region, ["vpcId"] = vpc };
    }

    private static JsonObject Request(string requestId, JsonObject requester, JsonObject accepter) =>
        new() { ["requestId"] = requestId, ["requester"] = requester.DeepClone(), ["accepter"] = accepter.DeepClone() };

    private async Task<IReadOnlyList<VpcPeeringConnection>> PeeringsOfAsync(JsonObject side)
    {
        var ec2 = await Stack.Driver.Ec2Async(side["accountId"]!.GetValue<string>(), side["region"]!.GetValue<string>());
        var vpc = side["vpcId"]!.GetValue<string>();
        var all = await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest
        {
            Filters = [new Filter("requester-vpc-info.vpc-id", [vpc])],
        });
        return all.VpcPeeringConnections ?? [];
    }

    private async Task<IReadOnlyList<Route>> RoutesToAsync(JsonObject side, string pcx)
    {
        var ec2 = await Stack.Driver.Ec2Async(side["accountId"]!.GetValue<string>(), side["region"]!.GetValue<string>());
        var tables = await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [new Filter("vpc-id", [side["vpcId"]!.GetValue<string>()])] });
        return tables.RouteTables.SelectMany(t => t.Routes ?? []).Where(r => r.VpcPeeringConnectionId == pcx).ToList();
    }

    [Fact]
    public async Task ProvisionPeering_SucceedsThroughTheAccepterRegionLagGivenCrossAccountCrossRegion()
    {
        var requester = await FreshVpcAsync(TeamA, "us-east-1", "10.210.0.0/16");
        var accepter = await FreshVpcAsync(TeamB, "eu-west-1", "10.211.0.0/16");

        var execution = await world.RequestAsync(Request("wf-lag", requester, accepter));

        execution.Status.ShouldBe("SUCCEEDED", $"{execution} after {string.Join(" → ", execution.StatesEntered)}");
        execution.StatesEntered.ShouldContain("Emit Peering Provisioned");
        // The lag was there and was waited out, not missed: the accepter's region did not know the peering at first.
        execution.TaskErrors.ShouldContain("PeeringNotReady");
        var peering = (await PeeringsOfAsync(requester)).ShouldHaveSingleItem();
        peering.Status.Code.Value.ShouldBe("active");
        // Tagged on both sides, each in its own account and region.
        peering.Tags.ShouldContain(t => t.Key == "peering-automation:request-id" && t.Value == "wf-lag");
        var accepterEc2 = await Stack.Driver.Ec2Async(TeamB, "eu-west-1");
        var seen = (await accepterEc2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [peering.VpcPeeringConnectionId] })).VpcPeeringConnections.Single();
        seen.Tags.ShouldContain(t => t.Key == "peering-automation:request-id" && t.Value == "wf-lag");
    }

    [Fact]
    public async Task ProvisionPeering_EndsFailedAndRollsBackGivenTheAccepterGainsAnOverlappingBlockAfterValidation()
    {
        var requester = await FreshVpcAsync(TeamA, "us-east-1", "10.212.0.0/16");
        var accepter = await FreshVpcAsync(TeamB, "eu-west-1", "10.213.0.0/16");
        var lag = Stack.Behaviour!.Lag;
        // Hold the peering in initiating-request (AWS checks the blocks when that phase ends) while
        // the accepter VPC gains a block that overlaps the requester's: validation has passed by then.
        lag.Lag = TimeSpan.FromMinutes(5);
        ExecutionResult execution;
        try
        {
            var eventId = await Stack.Driver.PutEventAsync("Peering Requested", Request("wf-overlap-late", requester, accepter));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while ((await PeeringsOfAsync(requester)).Count == 0)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the workflow created no peering");
                await Task.Delay(200);
            }
            var accepterEc2 = await Stack.Driver.Ec2Async(TeamB, "eu-west-1");
            await accepterEc2.AssociateVpcCidrBlockAsync(new AssociateVpcCidrBlockRequest { VpcId = accepter["vpcId"]!.GetValue<string>(), CidrBlock = "10.212.128.0/20" });
            lag.Lag = WorldStack.InterRegionLag;
            execution = await Stack.Driver.WaitForExecutionAsync(WorldStack.ProvisionMachine, eventId, Timeout);
        }
        finally
        {
            lag.Lag = WorldStack.InterRegionLag;
        }

        execution.Status.ShouldBe("FAILED", execution.ToString());
        execution.StatesEntered.ShouldContain("Roll back");
        execution.StatesEntered.ShouldContain("Emit Peering Provisioning Failed");
        execution.StatesEntered.ShouldNotContain("Configure routes");
        var failed = await Stack.Driver.WaitForOutcomeAsync("Peering Provisioning Failed",
            e => e["detail"]?["requestId"]?.GetValue<string>() == "wf-overlap-late", Timeout);
        failed["detail"]!.ToJsonString().ShouldContain("failed");
        var peerings = await PeeringsOfAsync(requester);
        peerings.ShouldAllBe(p => p.Status.Code == "failed" || p.Status.Code == "deleted");
        peerings.ShouldContain(p => p.Status.Code == "failed" && p.Status.Message == "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range");
        foreach (var pcx in peerings.Select(p => p.VpcPeeringConnectionId))
        {
            (await RoutesToAsync(requester, pcx)).ShouldBeEmpty();
            (await RoutesToAsync(accepter, pcx)).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task TeardownPeering_TearsDownTheOthersAndReportsTheFailureGivenOnePoisonedPeering()
    {
        var expiresAt = DateTimeOffset.MinValue;
        var pairs = new List<(JsonObject Requester, JsonObject Accepter, string Pcx)>();
        foreach (var (n, a, b) in new[] { (1, "10.214.0.0/16", "10.215.0.0/16"), (2, "10.216.0.0/16", "10.217.0.0/16") })
        {
            var requester = await FreshVpcAsync(TeamA, "us-east-1", a);
            var accepter = await FreshVpcAsync(TeamA, "us-east-1", b);
            var request = Request($"wf-poison-{n}", requester, accepter);
            // Each counted from its own request, so it passes validation however long the first took.
            expiresAt = DateTimeOffset.UtcNow + WorldStack.ExpiryMargin;
            request["expiresAt"] = expiresAt.ToString("yyyy-MM-ddTHH:mm:ssZ");
            var run = await world.RequestAsync(request);
            run.Status.ShouldBe("SUCCEEDED", run.ToString());
            pairs.Add((requester, accepter, (await PeeringsOfAsync(requester)).Single(p => p.Status.Code == "active").VpcPeeringConnectionId));
        }
        if (expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is { Ticks: > 0 } left)
        {
            await Task.Delay(left);
        }

        // The first removal of this sweep fails before it does anything (an unexpected error, not retried).
        Stack.Driver.InjectFault("TeardownPeeringFunction", Local.Lambda.FaultTiming.BeforeHandler);
        var execution = await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.FireScheduleAsync("TeardownPeeringStateMachineExpirySweep"), Timeout);

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        execution.StatesEntered.ShouldContain("Alert teardown failure");
        execution.StatesEntered.ShouldContain("Emit Peering Torn Down");
        var alert = await world.WaitForAlertAsync(a => a["Subject"]?.GetValue<string>() == "VPC peering teardown failed");
        var poisoned = pairs.Where(p => alert["Message"]!.GetValue<string>().Contains(p.Pcx, StringComparison.Ordinal)).Select(p => p.Pcx).ToList();
        foreach (var (requester, _, pcx) in pairs.Where(p => !poisoned.Contains(p.Pcx)))
        {
            (await PeeringsOfAsync(requester)).Single(p => p.VpcPeeringConnectionId == pcx).Status.Code.Value.ShouldBe("deleted", $"{pcx} was not poisoned");
        }
        foreach (var (requester, _, pcx) in pairs.Where(p => poisoned.Contains(p.Pcx)))
        {
            (await PeeringsOfAsync(requester)).Single(p => p.VpcPeeringConnectionId == pcx).Status.Code.Value.ShouldBe("active", "the failed iteration touched nothing");
        }

        // The next sweep finishes the job.
        var again = await Stack.Driver.WaitForExecutionAsync(Teardown, await Stack.Driver.FireScheduleAsync("TeardownPeeringStateMachineExpirySweep"), Timeout);
        again.Status.ShouldBe("SUCCEEDED", again.ToString());
        foreach (var (requester, _, pcx) in pairs)
        {
            (await PeeringsOfAsync(requester)).Single(p => p.VpcPeeringConnectionId == pcx).Status.Code.Value.ShouldBe("deleted");
        }
    }

    [Fact]
    public async Task AcceptPeerings_ReportsARefusalOnceGivenPerSideTags()
    {
        var stranger = Stack.World.Vpc("u1");
        var accepter = await FreshVpcAsync(TeamB, "eu-west-1", "10.218.0.0/16");
        var strangerEc2 = await Stack.Driver.Ec2Async(stranger.AccountId, stranger.Region);
        var pcx = (await strangerEc2.CreateVpcPeeringConnectionAsync(new CreateVpcPeeringConnectionRequest
        {
            VpcId = stranger.VpcId, PeerVpcId = accepter["vpcId"]!.GetValue<string>(), PeerOwnerId = TeamB, PeerRegion = "eu-west-1",
        })).VpcPeeringConnection.VpcPeeringConnectionId;

        IReadOnlyList<string> RefusedIn(ExecutionResult run)
        {
            var scan = run.History.Last(h => h.StateName == "Scan pending peerings" && h.Type.EndsWith("StateExited", StringComparison.Ordinal));
            var output = JsonNode.Parse(scan.Details["output"]!.GetValue<string>())!;
            return (output["refused"] as JsonArray ?? []).Select(r => r!["vpcPeeringConnectionId"]!.GetValue<string>()).ToList();
        }
        var first = await Stack.Driver.WaitForExecutionAsync("AcceptPeeringsStateMachine", await Stack.Driver.PutEventAsync("Peering Acceptance Check Requested", new JsonObject()), Timeout);
        var second = await Stack.Driver.WaitForExecutionAsync("AcceptPeeringsStateMachine", await Stack.Driver.PutEventAsync("Peering Acceptance Check Requested", new JsonObject()), Timeout);

        first.Status.ShouldBe("SUCCEEDED", first.ToString());
        second.Status.ShouldBe("SUCCEEDED", second.ToString());
        await Stack.Driver.WaitForOutcomeAsync("Peering Acceptance Refused", e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx, Timeout);
        RefusedIn(first).ShouldContain(pcx);
        RefusedIn(second).ShouldNotContain(pcx, "already reported: the refusal tag on the accepter's side is seen there");
        // The refusal mark lives on the accepter's side only: the requester never sees our tags.
        var requesterView = (await strangerEc2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [pcx] })).VpcPeeringConnections.Single();
        (requesterView.Tags ?? []).ShouldNotContain(t => t.Key.StartsWith("peering-automation:", StringComparison.Ordinal));
        var accepterView = (await (await Stack.Driver.Ec2Async(TeamB, "eu-west-1")).DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [pcx] })).VpcPeeringConnections.Single();
        accepterView.Tags.ShouldContain(t => t.Key.StartsWith("peering-automation:", StringComparison.Ordinal));
        Stack.Driver.Outcomes.Count(e => e["detail-type"]?.GetValue<string>() == "Peering Acceptance Refused"
                                 && e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx).ShouldBe(1);
    }
}
