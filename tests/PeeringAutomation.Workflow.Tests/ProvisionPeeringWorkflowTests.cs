using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

[Collection(WorldStackCollection.Name)]
public sealed class ProvisionPeeringWorkflowTests(WorldStack world)
{
    private const string Machine = "ProvisionPeeringStateMachine";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);

    private Task<ExecutionResult> RunAsync(JsonObject request) => world.RequestAsync(request);

    private async Task<VpcPeeringConnection> ProvisionedAsync(JsonObject request, string a, string b)
    {
        var execution = await RunAsync(request);
        execution.Status.ShouldBe("SUCCEEDED", $"{execution} after {string.Join(" → ", execution.StatesEntered)}");
        execution.StatesEntered.ShouldContain("Emit Peering Provisioned");
        var peering = (await world.PeeringsBetweenAsync(a, b)).Where(p => p.Status.Code == "active").ShouldHaveSingleItem();
        return peering;
    }

    private async Task<JsonObject> RejectedAsync(JsonObject request, string code)
    {
        var execution = await RunAsync(request);
        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        execution.StatesEntered.ShouldContain("Emit Peering Request Rejected");
        execution.StatesEntered.ShouldNotContain("Create peering");
        var requestId = request["requestId"]!.GetValue<string>();
        var rejected = await Stack.Driver.WaitForOutcomeAsync("Peering Request Rejected",
            e => e["detail"]?["requestId"]?.GetValue<string>() == requestId, Timeout);
        var reasons = rejected["detail"]!["reasons"]!.AsArray();
        reasons.Select(r => r!["code"]!.GetValue<string>()).ShouldContain(code, rejected.ToJsonString());
        return rejected;
    }

    // moto writes IPv6 blocks with leading zeros (…:0600::/56); compare canonical forms.
    private static string Canonical(string cidr) => Core.Model.Cidr.Parse(cidr).ToString();

    private async Task ShouldHaveNoPeeringAsync(string a, string b) =>
        (await world.PeeringsBetweenAsync(a, b)).ShouldBeEmpty();

    private async Task<IReadOnlyList<string>> TableIdsAsync(string vpcName)
    {
        var ec2 = await world.Ec2For(vpcName);
        var tables = await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest
        {
            Filters = [new Filter("vpc-id", [Stack.World.IdOf(vpcName)])],
        });
        return tables.RouteTables.Select(t => t.RouteTableId).ToList();
    }

    [Fact]
    public async Task ProvisionPeering_EndsActiveWithRoutesAndExactRulesGivenSameAccountSameRegion()
    {
        var request = Build.Request("wf-same", Build.Side("a2", Build.Tcp("a2-app", 443)), Build.Side("a4"));

        var peering = await ProvisionedAsync(request, "a2", "a4");

        var routes = await world.RoutesToAsync("a2", peering.VpcPeeringConnectionId);
        routes.Select(r => r.DestinationCidrBlock).ShouldBe(["10.5.0.0/16"]);
        (await world.RoutesToAsync("a4", peering.VpcPeeringConnectionId)).Select(r => r.DestinationCidrBlock).ShouldBe(["10.3.0.0/16"]);
        var rule = (await world.IngressAsync("a2", "a2-app")).ShouldHaveSingleItem();
        (rule.IpProtocol, rule.FromPort, rule.ToPort).ShouldBe(("tcp", 443, 443));
        var range = rule.Ipv4Ranges.ShouldHaveSingleItem();
        range.CidrIp.ShouldBe("10.5.0.0/16");
        range.Description.ShouldBe("peering-automation wf-same");
        (await world.IngressAsync("a4", "a4-app")).ShouldBeEmpty();
    }

    [Fact]
    public async Task ProvisionPeering_EndsActiveWithRulesOnBothSidesGivenCrossAccountSameRegion()
    {
        var request = Build.Request("wf-xacct",
            Build.Side("a5", Build.Tcp("a5-app", 8443)),
            Build.Side("b4", Build.Tcp("b4-db", 5432), Build.Rule("b4-db", "icmp", 8, -1)));
        request["allowDnsResolution"] = true;

        var peering = await ProvisionedAsync(request, "a5", "b4");

        peering.RequesterVpcInfo.PeeringOptions?.AllowDnsResolutionFromRemoteVpc.ShouldBe(true);
        peering.AccepterVpcInfo.PeeringOptions?.AllowDnsResolutionFromRemoteVpc.ShouldBe(true);

        (await world.RoutesToAsync("a5", peering.VpcPeeringConnectionId)).ShouldHaveSingleItem().DestinationCidrBlock.ShouldBe("10.14.0.0/16");
        (await world.RoutesToAsync("b4", peering.VpcPeeringConnectionId)).ShouldHaveSingleItem().DestinationCidrBlock.ShouldBe("10.6.0.0/16");
        (await world.IngressAsync("a5", "a5-app")).ShouldHaveSingleItem().Ipv4Ranges.ShouldHaveSingleItem().CidrIp.ShouldBe("10.14.0.0/16");
        var b4 = await world.IngressAsync("b4", "b4-db");
        b4.Select(p => (p.IpProtocol, p.FromPort, p.ToPort)).ShouldBe([("tcp", 5432, 5432), ("icmp", 8, -1)], ignoreOrder: true);
        b4.ShouldAllBe(p => p.Ipv4Ranges.Single().CidrIp == "10.6.0.0/16");
    }

    [Fact]
    public async Task ProvisionPeering_RoutesEveryTableToEveryBlockGivenCrossAccountCrossRegionWithSecondaryAndIpv6()
    {
        var request = Build.Request("wf-xregion", Build.Side("a1", Build.Tcp("a1-app", 443)), Build.Side("b2"));

        var peering = await ProvisionedAsync(request, "a1", "b2");

        var b2 = Stack.World.Vpc("b2");
        foreach (var table in await TableIdsAsync("a1"))
        {
            var ec2 = await world.Ec2For("a1");
            var routes = (await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { RouteTableIds = [table] }))
                .RouteTables.Single().Routes.Where(r => r.VpcPeeringConnectionId == peering.VpcPeeringConnectionId).ToList();
            routes.Select(r => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock)
                .Select(Canonical).ShouldBe(b2.Ipv4Cidrs.Concat(b2.Ipv6Cidrs).Select(Canonical), ignoreOrder: true, $"table {table}");
        }
        var a1 = Stack.World.Vpc("a1");
        (await world.RoutesToAsync("b2", peering.VpcPeeringConnectionId)).Select(r => r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock)
            .Select(Canonical).ShouldBe(a1.Ipv4Cidrs.Concat(a1.Ipv6Cidrs).Select(Canonical), ignoreOrder: true);
        var rules = await world.IngressAsync("a1", "a1-app");
        rules.Count.ShouldBe(2); // the bastion rule that was there, and ours
        rules.ShouldContain(p => p.FromPort == 22 && p.Ipv4Ranges.Single().Description == "bastion");
        var outcome = await Stack.Driver.WaitForOutcomeAsync("Peering Provisioned",
            e => e["detail"]?["requestId"]?.GetValue<string>() == "wf-xregion", Timeout);
        outcome["detail"]!["crossRegion"]!.GetValue<bool>().ShouldBeTrue();
        outcome["detail"]!["dataTransferNote"]!.GetValue<string>().ShouldContain("inter-region");
        outcome["detail"]!["vpcPeeringConnectionId"]!.GetValue<string>().ShouldBe(peering.VpcPeeringConnectionId);
    }

    [Fact]
    public async Task ProvisionPeering_CreatesNothingMoreGivenTheSameEventTwiceAndARerun()
    {
        var request = Build.Request("wf-twice", Build.Side("a3", Build.Tcp("a3-app", 443)), Build.Side("c5"));
        var first = await ProvisionedAsync(request, "a3", "c5");
        var execution = await RunAsync(request);
        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());

        var rerun = await Stack.Driver.RunExecutionAsync(Machine, execution.Input!.DeepClone(), Timeout);

        rerun.Status.ShouldBe("SUCCEEDED", rerun.ToString());
        (await world.PeeringsBetweenAsync("a3", "c5")).ShouldHaveSingleItem().VpcPeeringConnectionId.ShouldBe(first.VpcPeeringConnectionId);
        (await world.RoutesToAsync("a3", first.VpcPeeringConnectionId)).Count.ShouldBe(1);
        (await world.RoutesToAsync("c5", first.VpcPeeringConnectionId)).Count.ShouldBe(1);
        (await world.IngressAsync("a3", "a3-app")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ProvisionPeering_LeavesExactlyOnePeeringGivenTwoRequestsForOnePairAtOnce()
    {
        var first = Stack.Driver.PutEventAsync("Peering Requested", Build.Request("wf-race-1", "b3", "c2"));
        var second = Stack.Driver.PutEventAsync("Peering Requested", Build.Request("wf-race-2", "b3", "c2"));
        var ids = await Task.WhenAll(first, second);

        var executions = await Task.WhenAll(ids.Select(id => Stack.Driver.WaitForExecutionAsync(Machine, id, Timeout)));

        var live = (await world.PeeringsBetweenAsync("b3", "c2"))
            .Where(p => p.Status.Code.Value is "active" or "pending-acceptance" or "provisioning").ToList();
        live.ShouldHaveSingleItem().Status.Code.Value.ShouldBe("active");
        executions.Count(e => e.StatesEntered.Contains("Emit Peering Provisioned")).ShouldBe(1);
        foreach (var dead in (await world.PeeringsBetweenAsync("b3", "c2")).Where(p => p.VpcPeeringConnectionId != live[0].VpcPeeringConnectionId))
        {
            (await world.RoutesToAsync("b3", dead.VpcPeeringConnectionId)).ShouldBeEmpty();
            (await world.RoutesToAsync("c2", dead.VpcPeeringConnectionId)).ShouldBeEmpty();
        }
    }

    [Theory]
    [InlineData("CreatePeeringFunction", "a2", "b7")]
    [InlineData("AcceptPeeringFunction", "a3", "b9")]
    [InlineData("ConfigureRoutesFunction", "a4", "b8")]
    [InlineData("ConfigureSecurityGroupsFunction", "a5", "b1")]
    [InlineData("ConfigureDnsFunction", "a6", "b2")]
    [InlineData("CheckFlowLogsFunction", "a7", "b4")]
    public async Task ProvisionPeering_LeavesEc2AsBeforeGivenAFailureAfterTheStepDidItsWork(string function, string a, string b)
    {
        // A rule on every side that has a group, so rollback has rules to remove too.
        JsonObject[] Rules(string vpc, int port) => [.. Stack.World.Vpc(vpc).SecurityGroups.Keys.Take(1).Select(g => Build.Tcp(g, port))];
        var request = Build.Request($"wf-fault-{function}", Build.Side(a, Rules(a, 443)), Build.Side(b, Rules(b, 5432)));
        request["allowDnsResolution"] = true;
        var before = (await world.NetworkStateAsync(a)).Concat(await world.NetworkStateAsync(b)).ToList();
        Stack.Driver.InjectFault(function);

        var execution = await RunAsync(request);

        execution.Status.ShouldBe("FAILED", execution.ToString());
        execution.StatesEntered.ShouldContain("Roll back");
        execution.StatesEntered.ShouldNotContain("Emit Peering Provisioned");
        (await world.PeeringsBetweenAsync(a, b)).ShouldAllBe(p => p.Status.Code.Value == "deleted");
        var after = (await world.NetworkStateAsync(a)).Concat(await world.NetworkStateAsync(b)).ToList();
        after.ShouldBe(before);
        var failed = await Stack.Driver.WaitForOutcomeAsync("Peering Provisioning Failed",
            e => e["detail"]?["requestId"]?.GetValue<string>() == $"wf-fault-{function}", Timeout);
        failed["detail"]!["error"]!.GetValue<string>().ShouldBe("InjectedFault");
        (await world.WaitForAlertAsync(a => a["Message"]?.GetValue<string>().Contains($"wf-fault-{function}") == true))
            ["Subject"]!.GetValue<string>().ShouldBe("VPC peering provisioning failed");
        var rolledBack = failed["detail"]!["rolledBack"]!;
        rolledBack["peeringDeleted"]!.GetValue<bool>().ShouldBeTrue();
        var removedRoutes = rolledBack["sides"]!.AsArray().Sum(side => side!["routesRemoved"]!.AsArray().Count);
        if (function is not ("CreatePeeringFunction" or "AcceptPeeringFunction"))
        {
            removedRoutes.ShouldBeGreaterThan(0, "the routes the workflow had added were removed");
        }
    }

    [Fact]
    public async Task ProvisionPeering_RejectsAndCreatesNothingGivenMisspelledField()
    {
        var request = Build.Request("wf-typo", "a6", "b9");
        request["requester"]!["ingresFromPeer"] = new JsonArray();

        var rejected = await RejectedAsync(request, "InvalidRequest");

        rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain("ingressFromPeer");
        await ShouldHaveNoPeeringAsync("a6", "b9");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsGivenAccepterAccountNotManaged()
    {
        await RejectedAsync(Build.Request("wf-unmanaged", "a6", "u1"), "AccountNotAllowed");
        await ShouldHaveNoPeeringAsync("a6", "u1");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsGivenVpcThatDoesNotExist()
    {
        var request = Build.Request("wf-novpc", Build.Side("a6"), Build.Side("b9"));
        request["accepter"]!["vpcId"] = "vpc-0123456789abcdef0";

        var rejected = await RejectedAsync(request, "VpcNotFound");

        rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain("vpc-0123456789abcdef0");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsNamingBothBlocksGivenPrimaryCidrOverlap()
    {
        var rejected = await RejectedAsync(Build.Request("wf-overlap", "a1", "c1-overlaps-a1"), "CidrOverlap");

        var message = rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>();
        message.ShouldContain("10.1.0.0/16");
        message.ShouldContain("10.1.128.0/17");
        await ShouldHaveNoPeeringAsync("a1", "c1-overlaps-a1");
        var alert = await world.WaitForAlertAsync(a => a["Message"]?.GetValue<string>().Contains("wf-overlap") == true);
        alert["Subject"]!.GetValue<string>().ShouldBe("VPC peering request rejected");
        alert["Message"]!.GetValue<string>().ShouldContain("CidrOverlap");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsGivenSecondaryCidrOverlap()
    {
        var rejected = await RejectedAsync(Build.Request("wf-overlap2", "a1", "c3-overlaps-a1-secondary"), "CidrOverlap");

        rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain("10.2.8.0/21");
        await ShouldHaveNoPeeringAsync("a1", "c3-overlaps-a1-secondary");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsGivenDestinationOutsideBothVpcs()
    {
        var request = Build.Request("wf-transit", "a6", "b9");
        request["destinationCidrs"] = new JsonArray("10.7.1.0/24", "10.19.0.0/16", "172.16.0.0/12");

        var rejected = await RejectedAsync(request, "TransitiveRouting");

        rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain("172.16.0.0/12");
        await ShouldHaveNoPeeringAsync("a6", "b9");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsDefaultRouteAsTransit()
    {
        var request = Build.Request("wf-default-route", "a6", "b9");
        request["destinationCidrs"] = new JsonArray("0.0.0.0/0");

        await RejectedAsync(request, "TransitiveRouting");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsNamingTheExistingPeeringGivenPairAlreadyPeered()
    {
        var existing = await ProvisionedAsync(Build.Request("wf-dup-1", "a7", "b6"), "a7", "b6");

        var rejected = await RejectedAsync(Build.Request("wf-dup-2", "a7", "b6"), "DuplicatePeering");

        rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain(existing.VpcPeeringConnectionId);
        (await world.PeeringsBetweenAsync("a7", "b6")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ProvisionPeering_RejectsNamingTheRouteGivenDestinationRoutedElsewhere()
    {
        var ec2 = await world.Ec2For("a1");
        var igw = await world.InternetGatewayOfAsync("a1");
        await ec2.CreateRouteAsync(new CreateRouteRequest
        {
            RouteTableId = Stack.World.IdOf("a1-private-rt"), DestinationCidrBlock = "10.9.0.0/16", GatewayId = igw,
        });

        var rejected = await RejectedAsync(Build.Request("wf-conflict", "a1", "a8"), "RouteConflict");

        rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain(igw);
        await ShouldHaveNoPeeringAsync("a1", "a8");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsGivenRouteTableAtQuota()
    {
        var ec2 = await world.Ec2For("c4");
        var igw = await world.InternetGatewayOfAsync("c4");
        var main = Stack.World.Vpc("c4").MainRouteTableId;
        for (var i = 0; i < 50; i++)
        {
            await ec2.CreateRouteAsync(new CreateRouteRequest { RouteTableId = main, DestinationCidrBlock = $"172.16.{i}.0/24", GatewayId = igw });
        }

        await RejectedAsync(Build.Request("wf-route-quota", "c4", "b7"), "RouteQuotaExceeded");
        await ShouldHaveNoPeeringAsync("c4", "b7");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsGivenVpcAtItsPeeringQuota()
    {
        // 50 pending requests from a8 (moto lets them repeat a pair; they only need to count).
        var ec2 = await world.Ec2For("a8");
        var filler = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            filler.Add(await world.RequestPeeringByHandAsync("a8", "b6"));
        }
        try
        {
            var rejected = await RejectedAsync(Build.Request("wf-peering-quota", "a8", "c5"), "PeeringQuotaExceeded");

            rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain("quota is 50");
            await ShouldHaveNoPeeringAsync("a8", "c5");
        }
        finally
        {
            foreach (var id in filler)
            {
                await ec2.DeleteVpcPeeringConnectionAsync(new DeleteVpcPeeringConnectionRequest { VpcPeeringConnectionId = id });
            }
        }
    }

    [Fact]
    public async Task ProvisionPeering_RejectsGivenGroupOfAnotherVpc()
    {
        var request = Build.Request("wf-foreign-group", Build.Side("a6", Build.Tcp("b1-db", 443)), Build.Side("b9"));

        await RejectedAsync(request, "SecurityGroupNotInVpc");
        await ShouldHaveNoPeeringAsync("a6", "b9");
    }

    [Fact]
    public async Task ProvisionPeering_RejectsAllTrafficGivenPolicyForbidsIt()
    {
        var request = Build.Request("wf-all-traffic", Build.Side("a6", Build.Rule("a6-app", "-1", -1, -1)), Build.Side("b9"));

        await RejectedAsync(request, "TrafficNotAllowed");
        (await world.IngressAsync("a6", "a6-app")).ShouldBeEmpty();
    }
}
