using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Behaviour;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

/// <summary>
/// Each AWS behaviour of the layer, through the AWS API (the SDK against the host): what moto alone
/// would answer differently. The fixture world: app-vpc (222222222222, us-east-1, 10.10/16 +
/// 10.11/16 + IPv6), data-vpc (333333333333, eu-west-1, 10.20/16), hub-vpc (hub, us-east-1, 10.0/16).
/// </summary>
[Collection(FixtureStackCollection.Name)]
public sealed class BehaviourLayerTests(FixtureStack fixture)
{
    private const string NotFound = "InvalidVpcPeeringConnectionID.NotFound";

    private LocalCloud Stack => fixture.Stack;

    private BehaviourLayer Layer => Stack.Behaviour.ShouldNotBeNull("the layer is on by default");

    private Task<IAmazonEC2> App => Stack.Driver.Ec2Async(FixtureStack.Member, "us-east-1");

    private Task<IAmazonEC2> Data => Stack.Driver.Ec2Async(FixtureStack.OtherMember, "eu-west-1");

    private async Task<string> PeerAsync(IAmazonEC2 requester, string vpcId, BuiltPeer to, Dictionary<string, string>? tags = null)
    {
        var request = new CreateVpcPeeringConnectionRequest { VpcId = vpcId, PeerVpcId = to.VpcId, PeerOwnerId = to.Account, PeerRegion = to.Region };
        if (tags is not null)
        {
            request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.VpcPeeringConnection, Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList() }];
        }
        return (await requester.CreateVpcPeeringConnectionAsync(request)).VpcPeeringConnection.VpcPeeringConnectionId;
    }

    private sealed record BuiltPeer(string VpcId, string Account, string Region);

    private BuiltPeer DataVpc => new(Stack.World.Vpc("data-vpc").VpcId, FixtureStack.OtherMember, "eu-west-1");

    private static async Task<VpcPeeringConnection> DescribeAsync(IAmazonEC2 ec2, string id) =>
        (await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [id] })).VpcPeeringConnections.Single();

    private static async Task<VpcPeeringConnection> WaitForStatusAsync(IAmazonEC2 ec2, string id, string status)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                var peering = await DescribeAsync(ec2, id);
                if (peering.Status.Code == status || i >= 100)
                {
                    return peering;
                }
            }
            catch (AmazonEC2Exception e) when (e.ErrorCode == NotFound && i < 100)
            {
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task InterRegionPeering_IsInitiatingAndUnknownToTheAccepterUntilTheLagHasPassed()
    {
        var app = await App;
        var data = await Data;
        var id = await PeerAsync(app, Stack.World.Vpc("app-vpc").VpcId, DataVpc);

        (await DescribeAsync(app, id)).Status.Code.Value.ShouldBe("initiating-request");
        (await Should.ThrowAsync<AmazonEC2Exception>(() => DescribeAsync(data, id))).ErrorCode.ShouldBe(NotFound);
        (await Should.ThrowAsync<AmazonEC2Exception>(() => data.AcceptVpcPeeringConnectionAsync(new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = id })))
            .ErrorCode.ShouldBe(NotFound);

        var seen = await WaitForStatusAsync(data, id, "pending-acceptance");
        seen.Status.Code.Value.ShouldBe("pending-acceptance");
        await data.AcceptVpcPeeringConnectionAsync(new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = id });
        (await DescribeAsync(app, id)).Status.Code.Value.ShouldBe("active");
    }

    [Fact]
    public async Task OverlappingPeering_FailsWithAwsMessageGivenASecondaryBlockOverlap()
    {
        var data = await Stack.Driver.Ec2Async(FixtureStack.OtherMember, "us-east-1");
        // 10.11.0.0/16 is app-vpc's secondary block.
        var vpc = (await data.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.11.0.0/20" })).Vpc.VpcId;
        var app = await App;

        var id = await PeerAsync(app, Stack.World.Vpc("app-vpc").VpcId, new BuiltPeer(vpc, FixtureStack.OtherMember, "us-east-1"));

        var peering = await DescribeAsync(data, id);
        peering.Status.Code.Value.ShouldBe("failed");
        peering.Status.Message.ShouldBe("Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range");
        (await Should.ThrowAsync<AmazonEC2Exception>(() => data.AcceptVpcPeeringConnectionAsync(new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = id })))
            .ErrorCode.ShouldBe("InvalidStateTransition");
    }

    [Fact]
    public async Task PeeringTags_ArePerSideGivenTagsWrittenByEachAccount()
    {
        var hub = await Stack.Driver.Ec2Async(Stack.AccountId, "us-east-1");
        var app = await App;
        var appVpc = Stack.World.Vpc("app-vpc");
        var id = await PeerAsync(hub, Stack.World.Vpc("hub-vpc").VpcId, new BuiltPeer(appVpc.VpcId, FixtureStack.Member, "us-east-1"),
            new Dictionary<string, string> { ["written-by"] = "requester" });

        await app.CreateTagsAsync(new CreateTagsRequest { Resources = [id], Tags = [new Tag("seen-by", "accepter")] });

        (await DescribeAsync(hub, id)).Tags.Select(t => $"{t.Key}={t.Value}").ShouldBe(["written-by=requester"]);
        (await DescribeAsync(app, id)).Tags.Select(t => $"{t.Key}={t.Value}").ShouldBe(["seen-by=accepter"]);
        await app.DeleteTagsAsync(new DeleteTagsRequest { Resources = [id], Tags = [new Tag { Key = "seen-by" }] });
        ((await DescribeAsync(app, id)).Tags ?? []).ShouldBeEmpty();
        (await DescribeAsync(hub, id)).Tags.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task DescribePeerings_HonoursFiltersPagingAndUnknownIds()
    {
        var hub = await Stack.Driver.Ec2Async(Stack.AccountId, "us-east-1");
        var hubVpcs = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            hubVpcs.Add((await hub.CreateVpcAsync(new CreateVpcRequest { CidrBlock = $"10.{100 + i}.0.0/16" })).Vpc.VpcId);
        }
        var target = Stack.World.Vpc("hub-vpc").VpcId;
        var ids = new List<string>();
        foreach (var vpc in hubVpcs)
        {
            ids.Add(await PeerAsync(hub, vpc, new BuiltPeer(target, Stack.AccountId, "us-east-1"), new Dictionary<string, string> { ["batch"] = vpc == hubVpcs[0] ? "first" : "rest" }));
        }

        var byAccepter = await hub.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest
        {
            Filters = [new Filter("accepter-vpc-info.vpc-id", [target]), new Filter("status-code", ["pending-acceptance"])],
        });
        byAccepter.VpcPeeringConnections.Select(p => p.VpcPeeringConnectionId).ShouldBe(ids, ignoreOrder: true);
        var byTag = await hub.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { Filters = [new Filter("tag:batch", ["fir*"])] });
        byTag.VpcPeeringConnections.ShouldHaveSingleItem().VpcPeeringConnectionId.ShouldBe(ids[0]);
        var byRequester = await hub.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { Filters = [new Filter("requester-vpc-info.vpc-id", [hubVpcs[1], hubVpcs[2]])] });
        byRequester.VpcPeeringConnections.Select(p => p.VpcPeeringConnectionId).ShouldBe([ids[1], ids[2]], ignoreOrder: true);

        var first = await hub.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { Filters = [new Filter("tag-key", ["batch"])], MaxResults = 5 });
        first.VpcPeeringConnections.Count.ShouldBe(5);
        first.NextToken.ShouldNotBeNull();
        var second = await hub.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { Filters = [new Filter("tag-key", ["batch"])], MaxResults = 5, NextToken = first.NextToken });
        second.NextToken.ShouldBeNull();
        first.VpcPeeringConnections.Concat(second.VpcPeeringConnections).Select(p => p.VpcPeeringConnectionId).ShouldBe(ids, ignoreOrder: true);

        (await Should.ThrowAsync<AmazonEC2Exception>(() => DescribeAsync(hub, "pcx-0123456789abcdef0"))).ErrorCode.ShouldBe(NotFound);
        (await Should.ThrowAsync<AmazonEC2Exception>(() => hub.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { Filters = [new Filter("no-such-filter", ["x"])] })))
            .ErrorCode.ShouldBe("InvalidParameterValue");
    }

    [Fact]
    public async Task PendingPeering_ExpiresGivenAShortenedLifetime()
    {
        var hub = await Stack.Driver.Ec2Async(Stack.AccountId, "us-east-1");
        var vpc = (await hub.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.120.0.0/16" })).Vpc.VpcId;
        var lifetime = Layer.Expiry.Lifetime;
        Layer.Expiry.Lifetime = TimeSpan.FromSeconds(1);
        try
        {
            var id = await PeerAsync(hub, vpc, new BuiltPeer(Stack.World.Vpc("hub-vpc").VpcId, Stack.AccountId, "us-east-1"));
            (await DescribeAsync(hub, id)).ExpirationTime.ShouldNotBeNull();

            var expired = await WaitForStatusAsync(hub, id, "expired");

            expired.Status.Code.Value.ShouldBe("expired");
            (await Should.ThrowAsync<AmazonEC2Exception>(() => hub.AcceptVpcPeeringConnectionAsync(new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = id })))
                .ErrorCode.ShouldBe("InvalidStateTransition");
        }
        finally
        {
            Layer.Expiry.Lifetime = lifetime;
        }
    }

    [Fact]
    public async Task NetworkAcls_CarryAwsDefaultEntriesGivenACustomAclInAnIpv6Vpc()
    {
        var app = await App;
        var vpc = Stack.World.Vpc("app-vpc").VpcId;
        var custom = (await app.CreateNetworkAclAsync(new CreateNetworkAclRequest { VpcId = vpc })).NetworkAcl.NetworkAclId;

        var acls = (await app.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { Filters = [new Filter("vpc-id", [vpc])] })).NetworkAcls;

        static IEnumerable<string> Entries(NetworkAcl acl) => acl.Entries.Select(e => $"{e.RuleNumber} {e.RuleAction.Value} {(e.Egress == true ? "out" : "in")} {e.CidrBlock ?? e.Ipv6CidrBlock}");
        Entries(acls.Single(a => a.NetworkAclId == custom)).ShouldBe(
            ["32767 deny out 0.0.0.0/0", "32767 deny in 0.0.0.0/0", "32768 deny out ::/0", "32768 deny in ::/0"], ignoreOrder: true);
        Entries(acls.Single(a => a.IsDefault == true)).ShouldContain("101 allow in ::/0");
        Entries(acls.Single(a => a.IsDefault == true)).ShouldContain("32768 deny out ::/0");
    }

    [Fact]
    public async Task Health_AnswersReadyWithWhatIsDeployed()
    {
        using var http = new HttpClient { BaseAddress = Stack.Endpoint };

        var response = await http.GetAsync("/local/health");

        ((int)response.StatusCode).ShouldBe(200);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["status"]!.GetValue<string>().ShouldBe("ready");
        body["behaviour"]!.GetValue<string>().ShouldBe("aws");
        body["deployed"]!["stateMachines"]!.AsArray().Count.ShouldBeGreaterThan(0);
    }
}
