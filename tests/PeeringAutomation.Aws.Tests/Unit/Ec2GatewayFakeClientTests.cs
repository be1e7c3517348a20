using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Aws.Tests.Unit;

/// <summary>
/// Gateway behaviour moto cannot show: paging (moto ignores MaxResults), throttling, transport
/// failures and EC2's all-or-nothing revoke.
/// </summary>
public sealed class Ec2GatewayFakeClientTests
{
    private static readonly AccountRegion Scope = new(AccountId.Parse("111111111111"), AwsRegion.Parse("us-east-1"));
    private static readonly PeeringConnectionId Pcx = PeeringConnectionId.Parse("pcx-0123456789abcdef0");

    private readonly IAmazonEC2 client;
    private readonly FakeAwsClient fake;
    private readonly Ec2Gateway gateway;

    public Ec2GatewayFakeClientTests()
    {
        (client, fake) = FakeAwsClient.Create<IAmazonEC2>();
        gateway = new Ec2Gateway(client, Scope);
    }

    private static Amazon.EC2.Model.Vpc Vpc(string id) => new() { VpcId = id, OwnerId = "111111111111" };

    private static VpcPeeringConnection Peering(string id, string status) => new()
    {
        VpcPeeringConnectionId = id,
        Status = new VpcPeeringConnectionStateReason { Code = status },
        RequesterVpcInfo = new VpcPeeringConnectionVpcInfo { OwnerId = "111111111111", VpcId = "vpc-0a1b2c3d4e5f60718", Region = "us-east-1" },
        AccepterVpcInfo = new VpcPeeringConnectionVpcInfo { OwnerId = "222222222222", VpcId = "vpc-0a1b2c3d4e5f60719", Region = "eu-west-1" },
    };

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_FollowsNextTokenThroughEveryPage()
    {
        fake.On<DescribeVpcsRequest, DescribeVpcsResponse>("DescribeVpcsAsync", request => Task.FromResult(request.NextToken switch
        {
            null => new DescribeVpcsResponse { Vpcs = [Vpc("vpc-00000000000000001")], NextToken = "page-2" },
            "page-2" => new DescribeVpcsResponse { Vpcs = null, NextToken = "page-3" }, // SDK v4: an empty page has no list
            _ => new DescribeVpcsResponse { Vpcs = [Vpc("vpc-00000000000000002")] },
        }));

        var vpcs = await gateway.DescribeVpcsAsync([]);

        vpcs.Select(v => v.Id.Value).ShouldBe(["vpc-00000000000000001", "vpc-00000000000000002"]);
        fake.Requests<DescribeVpcsRequest>().Select(r => r.NextToken).ShouldBe([null, "page-2", "page-3"]);
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_SplitsLargeIdListsIntoFilterBatchesAndRechecksIds()
    {
        var ids = Enumerable.Range(1, Ec2Gateway.FilterValuesPerCall + 1).Select(i => VpcId.Parse($"vpc-{i:x17}")).ToList();
        // An endpoint that ignores the filter returns everything it has, wanted or not.
        fake.On<DescribeVpcsRequest, DescribeVpcsResponse>("DescribeVpcsAsync", _ => Task.FromResult(
            new DescribeVpcsResponse { Vpcs = [Vpc(ids[0].Value), Vpc("vpc-0ffffffffffffffff")] }));

        var vpcs = await gateway.DescribeVpcsAsync(ids);

        vpcs.Select(v => v.Id).ShouldBe([ids[0]]);
        var requests = fake.Requests<DescribeVpcsRequest>().ToList();
        requests.Count.ShouldBe(2);
        requests.ShouldAllBe(r => r.Filters.Single().Name == "vpc-id" && r.Filters.Single().Values.Count <= Ec2Gateway.FilterValuesPerCall);
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_ThrowsTransientFailureGivenARepeatedPageToken()
    {
        fake.On<DescribeVpcsRequest, DescribeVpcsResponse>("DescribeVpcsAsync", _ => Task.FromResult(new DescribeVpcsResponse { NextToken = "same" }));

        await Should.ThrowAsync<AwsTransientFailure>(() => gateway.DescribeVpcsAsync([]));
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_ThrowsAwsThrottledGivenRequestLimitExceeded()
    {
        fake.On<DescribeVpcsRequest, DescribeVpcsResponse>("DescribeVpcsAsync",
            _ => Task.FromException<DescribeVpcsResponse>(AwsErrors.Ec2("RequestLimitExceeded", HttpStatusCode.ServiceUnavailable, "Request limit exceeded.")));

        var error = await Should.ThrowAsync<AwsThrottled>(() => gateway.DescribeVpcsAsync([]));

        error.Message.ShouldBe("DescribeVpcs in 111111111111/us-east-1 failed: RequestLimitExceeded: Request limit exceeded.");
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_ThrowsTransientFailureGivenConnectionFailure()
    {
        fake.On<DescribeVpcsRequest, DescribeVpcsResponse>("DescribeVpcsAsync",
            _ => Task.FromException<DescribeVpcsResponse>(new HttpRequestException("Connection refused")));

        await Should.ThrowAsync<AwsTransientFailure>(() => gateway.DescribeVpcsAsync([]));
    }

    [Fact]
    public async Task Ec2GatewayDescribeVpcs_LetsCallerCancellationThrough()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        fake.On<DescribeVpcsRequest, DescribeVpcsResponse>("DescribeVpcsAsync",
            _ => Task.FromException<DescribeVpcsResponse>(new OperationCanceledException(cancelled.Token)));

        await Should.ThrowAsync<OperationCanceledException>(() => gateway.DescribeVpcsAsync([], cancelled.Token));
    }

    [Fact]
    public async Task Ec2GatewayDescribePeeringConnection_ReturnsNullGivenAwsNotFound()
    {
        fake.On<DescribeVpcPeeringConnectionsRequest, DescribeVpcPeeringConnectionsResponse>("DescribeVpcPeeringConnectionsAsync",
            _ => Task.FromException<DescribeVpcPeeringConnectionsResponse>(AwsErrors.Ec2("InvalidVpcPeeringConnectionID.NotFound")));

        (await gateway.DescribePeeringConnectionAsync(Pcx)).ShouldBeNull();
    }

    [Fact]
    public async Task Ec2GatewayDescribePeeringConnection_IgnoresOtherPeeringsTheEndpointReturns()
    {
        fake.On<DescribeVpcPeeringConnectionsRequest, DescribeVpcPeeringConnectionsResponse>("DescribeVpcPeeringConnectionsAsync",
            _ => Task.FromResult(new DescribeVpcPeeringConnectionsResponse
            {
                VpcPeeringConnections = [Peering("pcx-0ffffffffffffffff", "active"), Peering(Pcx.Value, "pending-acceptance")],
            }));

        var found = (await gateway.DescribePeeringConnectionAsync(Pcx)).ShouldNotBeNull();

        found.Id.ShouldBe(Pcx);
        found.Status.ShouldBe(PeeringStatus.PendingAcceptance);
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("rejected")]
    [InlineData("failed")]
    [InlineData("expired")]
    public async Task Ec2GatewayDeletePeering_IsANoOpGivenInvalidStateTransitionFromAFinalState(string status)
    {
        fake.On<DeleteVpcPeeringConnectionRequest, DeleteVpcPeeringConnectionResponse>("DeleteVpcPeeringConnectionAsync",
            _ => Task.FromException<DeleteVpcPeeringConnectionResponse>(AwsErrors.Ec2("InvalidStateTransition")));
        fake.On<DescribeVpcPeeringConnectionsRequest, DescribeVpcPeeringConnectionsResponse>("DescribeVpcPeeringConnectionsAsync",
            _ => Task.FromResult(new DescribeVpcPeeringConnectionsResponse { VpcPeeringConnections = [Peering(Pcx.Value, status)] }));

        await gateway.DeletePeeringConnectionAsync(Pcx);
    }

    [Fact]
    public async Task Ec2GatewayDeletePeering_ThrowsConflictGivenInvalidStateTransitionOfALivePeering()
    {
        fake.On<DeleteVpcPeeringConnectionRequest, DeleteVpcPeeringConnectionResponse>("DeleteVpcPeeringConnectionAsync",
            _ => Task.FromException<DeleteVpcPeeringConnectionResponse>(AwsErrors.Ec2("InvalidStateTransition")));
        fake.On<DescribeVpcPeeringConnectionsRequest, DescribeVpcPeeringConnectionsResponse>("DescribeVpcPeeringConnectionsAsync",
            _ => Task.FromResult(new DescribeVpcPeeringConnectionsResponse { VpcPeeringConnections = [Peering(Pcx.Value, "provisioning")] }));

        (await Should.ThrowAsync<PeeringConflict>(() => gateway.DeletePeeringConnectionAsync(Pcx))).AwsErrorCode.ShouldBe("InvalidStateTransition");
    }

    [Fact]
    public async Task Ec2GatewaySetDnsResolution_ThrowsPeeringNotReadyGivenAnInactivePeering()
    {
        fake.On<ModifyVpcPeeringConnectionOptionsRequest, ModifyVpcPeeringConnectionOptionsResponse>("ModifyVpcPeeringConnectionOptionsAsync",
            _ => Task.FromException<ModifyVpcPeeringConnectionOptionsResponse>(AwsErrors.Ec2("OperationNotPermitted",
                message: $"Peering {Pcx} is not active. Peering options can be added only to active peerings.")));

        var error = await Should.ThrowAsync<PeeringNotReady>(() => gateway.SetDnsResolutionAsync(Pcx, requesterSide: false, allow: true));

        error.AwsErrorCode.ShouldBe("OperationNotPermitted");
        var sent = fake.Requests<ModifyVpcPeeringConnectionOptionsRequest>().Single();
        sent.AccepterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc.ShouldBe(true);
        sent.RequesterPeeringConnectionOptions.ShouldBeNull();
    }

    [Fact]
    public async Task Ec2GatewayCreatePeering_SendsPeerOwnerRegionAndCreationTags()
    {
        fake.On<CreateVpcPeeringConnectionRequest, CreateVpcPeeringConnectionResponse>("CreateVpcPeeringConnectionAsync",
            _ => Task.FromResult(new CreateVpcPeeringConnectionResponse { VpcPeeringConnection = Peering(Pcx.Value, "initiating-request") }));
        var accepter = new PeeringSideInfo(AccountId.Parse("222222222222"), AwsRegion.Parse("eu-west-1"), VpcId.Parse("vpc-0a1b2c3d4e5f60719"));

        await gateway.CreatePeeringConnectionAsync(VpcId.Parse("vpc-0a1b2c3d4e5f60718"), accepter, new Dictionary<string, string> { ["k"] = "v" });

        var sent = fake.Requests<CreateVpcPeeringConnectionRequest>().Single();
        sent.PeerOwnerId.ShouldBe("222222222222");
        sent.PeerRegion.ShouldBe("eu-west-1");
        sent.PeerVpcId.ShouldBe("vpc-0a1b2c3d4e5f60719");
        var spec = sent.TagSpecifications.ShouldHaveSingleItem();
        spec.ResourceType.ShouldBe(ResourceType.VpcPeeringConnection);
        spec.Tags.ShouldHaveSingleItem().Key.ShouldBe("k");
    }

    [Fact]
    public async Task Ec2GatewayRevokeIngress_RevokesOneByOneGivenEc2RefusedTheBatch()
    {
        var revoked = new List<string>();
        fake.On<RevokeSecurityGroupIngressRequest, RevokeSecurityGroupIngressResponse>("RevokeSecurityGroupIngressAsync", request =>
        {
            // Like EC2: one unknown rule fails the whole call and nothing is revoked.
            if (request.IpPermissions.Any(p => p.Ipv4Ranges?.Single().CidrIp == "10.9.0.0/16"))
            {
                return Task.FromException<RevokeSecurityGroupIngressResponse>(AwsErrors.Ec2("InvalidPermission.NotFound"));
            }
            revoked.AddRange(request.IpPermissions.Select(p => p.Ipv4Ranges.Single().CidrIp));
            return Task.FromResult(new RevokeSecurityGroupIngressResponse());
        });
        IngressPermission Rule(string cidr) => new() { Protocol = "tcp", FromPort = 443, ToPort = 443, SourceCidr = Cidr.Parse(cidr) };

        await gateway.RevokeIngressAsync(SecurityGroupId.Parse("sg-0123456789abcdef0"), [Rule("10.3.0.0/16"), Rule("10.9.0.0/16"), Rule("10.4.0.0/16")]);

        revoked.ShouldBe(["10.3.0.0/16", "10.4.0.0/16"]);
    }

    [Fact]
    public async Task Ec2GatewayAuthorizeIngress_SendsOneCallWithEveryPermission()
    {
        fake.On<AuthorizeSecurityGroupIngressRequest, AuthorizeSecurityGroupIngressResponse>("AuthorizeSecurityGroupIngressAsync",
            _ => Task.FromResult(new AuthorizeSecurityGroupIngressResponse()));
        IngressPermission Rule(string cidr) => new() { Protocol = "tcp", FromPort = 443, ToPort = 443, SourceCidr = Cidr.Parse(cidr), Description = "req " + cidr };

        await gateway.AuthorizeIngressAsync(SecurityGroupId.Parse("sg-0123456789abcdef0"), [Rule("10.3.0.0/16"), Rule("2600:1f18:1::/56")]);
        await gateway.AuthorizeIngressAsync(SecurityGroupId.Parse("sg-0123456789abcdef0"), []);

        var sent = fake.Requests<AuthorizeSecurityGroupIngressRequest>().ShouldHaveSingleItem();
        sent.GroupId.ShouldBe("sg-0123456789abcdef0");
        sent.IpPermissions.Count.ShouldBe(2);
        sent.IpPermissions[0].Ipv4Ranges.Single().Description.ShouldBe("req 10.3.0.0/16");
        sent.IpPermissions[1].Ipv6Ranges.Single().Description.ShouldBe("req 2600:1f18:1::/56");
    }

    [Fact]
    public async Task Ec2GatewayDescribeFlowLogs_FiltersByResourceIdAndRechecksIt()
    {
        fake.On<DescribeFlowLogsRequest, DescribeFlowLogsResponse>("DescribeFlowLogsAsync", _ => Task.FromResult(new DescribeFlowLogsResponse
        {
            FlowLogs =
            [
                new Amazon.EC2.Model.FlowLog { FlowLogId = "fl-1", ResourceId = "vpc-0a1b2c3d4e5f60718", FlowLogStatus = "ACTIVE" },
                new Amazon.EC2.Model.FlowLog { FlowLogId = "fl-2", ResourceId = "vpc-0ffffffffffffffff", FlowLogStatus = "ACTIVE" },
            ],
        }));

        var logs = await gateway.DescribeFlowLogsAsync(["vpc-0a1b2c3d4e5f60718"]);

        logs.ShouldHaveSingleItem().Id.ShouldBe("fl-1");
        var filter = fake.Requests<DescribeFlowLogsRequest>().Single().Filter.ShouldHaveSingleItem();
        filter.Name.ShouldBe("resource-id");
        filter.Values.ShouldBe(["vpc-0a1b2c3d4e5f60718"]);
    }
}
