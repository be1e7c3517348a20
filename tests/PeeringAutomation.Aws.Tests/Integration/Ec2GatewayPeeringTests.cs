using Amazon.EC2.Model;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Aws.Tests.Integration;

public sealed class Ec2GatewayPeeringTests(MotoFixture moto) : MotoTest(moto)
{
    private static readonly Dictionary<string, string> Tags = new()
    {
        ["peering-automation:request-id"] = "chg-2041",
        ["peering-automation:managed"] = "true",
    };

    private VpcId requesterVpc;
    private VpcId accepterVpc;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        requesterVpc = await CreateVpcAsync(await RawEc2Async(Requester, UsEast1), "10.1.0.0/16");
        accepterVpc = await CreateVpcAsync(await RawEc2Async(Accepter, EuWest1), "10.3.0.0/16");
    }

    private PeeringSideInfo AccepterSide => new(Accepter, EuWest1, accepterVpc);

    [Fact]
    public async Task Ec2GatewayCreateAndAcceptPeering_MakesItActiveGivenCrossAccountCrossRegion()
    {
        var requester = await GatewayAsync(Requester, UsEast1);
        var accepter = await GatewayAsync(Accepter, EuWest1);

        var created = await requester.CreatePeeringConnectionAsync(requesterVpc, AccepterSide, Tags);

        created.Requester.ShouldBe(new PeeringSideInfo(Requester, UsEast1, requesterVpc));
        created.Accepter.ShouldBe(AccepterSide);
        created.Tags.ShouldBe(Tags, ignoreOrder: true);
        var pending = (await accepter.DescribePeeringConnectionAsync(created.Id)).ShouldNotBeNull();
        pending.Status.ShouldBe(PeeringStatus.PendingAcceptance);

        var answered = await accepter.AcceptPeeringConnectionAsync(created.Id);

        // The accept's answer carries the status, so provisioning needs no describe after it.
        answered.ShouldBeOneOf(PeeringStatus.Provisioning, PeeringStatus.Active);
        (await requester.DescribePeeringConnectionAsync(created.Id)).ShouldNotBeNull().Status.ShouldBe(PeeringStatus.Active);
        (await accepter.DescribePeeringConnectionAsync(created.Id)).ShouldNotBeNull().Status.ShouldBe(PeeringStatus.Active);
    }

    [Fact]
    public async Task Ec2GatewayAcceptPeering_ThrowsResourceNotFoundGivenAccepterAccountInRequesterRegion()
    {
        var created = await (await GatewayAsync(Requester, UsEast1)).CreatePeeringConnectionAsync(requesterVpc, AccepterSide, Tags);
        var wrongRegion = await GatewayAsync(Accepter, UsEast1);

        // The peering exists only in the requester's and accepter's own regions; from anywhere else
        // it is invisible (moto and AWS agree here).
        var error = await Should.ThrowAsync<ResourceNotFound>(() => wrongRegion.AcceptPeeringConnectionAsync(created.Id));

        Ec2ErrorCodes.IsPeeringNotFound(error.AwsErrorCode).ShouldBeTrue();
        error.Message.ShouldContain(created.Id.Value);
        error.InnerException.ShouldBeAssignableTo<Amazon.EC2.AmazonEC2Exception>();
        (await (await GatewayAsync(Accepter, EuWest1)).DescribePeeringConnectionAsync(created.Id)).ShouldNotBeNull()
            .Status.ShouldBe(PeeringStatus.PendingAcceptance);
    }

    [Fact]
    public async Task Ec2GatewayAcceptPeering_ThrowsPeeringConflictGivenSameAccountAcceptingInRequesterRegion()
    {
        var otherRegionVpc = await CreateVpcAsync(await RawEc2Async(Requester, EuWest1), "10.5.0.0/16");
        var requester = await GatewayAsync(Requester, UsEast1);
        var created = await requester.CreatePeeringConnectionAsync(requesterVpc, new PeeringSideInfo(Requester, EuWest1, otherRegionVpc), Tags);

        var error = await Should.ThrowAsync<PeeringConflict>(() => requester.AcceptPeeringConnectionAsync(created.Id));

        error.AwsErrorCode.ShouldBe("OperationNotPermitted");
        error.Message.ShouldContain("eu-west-1");
    }

    [Fact]
    public async Task Ec2GatewayAcceptPeering_ThrowsPeeringConflictGivenTheRequesterAccount()
    {
        var requester = await GatewayAsync(Requester, UsEast1);
        var accepterVpcSameRegion = await CreateVpcAsync(await RawEc2Async(Accepter, UsEast1), "10.7.0.0/16");
        var created = await requester.CreatePeeringConnectionAsync(requesterVpc, new PeeringSideInfo(Accepter, UsEast1, accepterVpcSameRegion), Tags);

        var error = await Should.ThrowAsync<PeeringConflict>(() => requester.AcceptPeeringConnectionAsync(created.Id));

        error.AwsErrorCode.ShouldBe("OperationNotPermitted");
    }

    [Fact]
    public async Task Ec2GatewayAcceptPeering_ThrowsConflictCarryingInvalidStateTransitionGivenAnActivePeering()
    {
        var (_, accepter, id) = await ActivePeeringAsync();

        var error = await Should.ThrowAsync<PeeringConflict>(() => accepter.AcceptPeeringConnectionAsync(id));

        // The caller decides that "already active" means done.
        error.AwsErrorCode.ShouldBe(Ec2ErrorCodes.InvalidStateTransition);
    }

    [Fact]
    public async Task Ec2GatewayCreatePeering_ThrowsResourceNotFoundGivenUnknownRequesterVpc()
    {
        var requester = await GatewayAsync(Requester, UsEast1);

        var error = await Should.ThrowAsync<ResourceNotFound>(
            () => requester.CreatePeeringConnectionAsync(VpcId.Parse("vpc-0123456789abcdef0"), AccepterSide, Tags));

        error.AwsErrorCode.ShouldBe("InvalidVpcID.NotFound");
        error.Message.ShouldContain("CreateVpcPeeringConnection");
        error.Message.ShouldContain("111111111111/us-east-1");
    }

    [Fact]
    public async Task Ec2GatewayDescribePeeringConnection_ReturnsNullGivenUnknownId()
    {
        var requester = await GatewayAsync(Requester, UsEast1);
        await requester.CreatePeeringConnectionAsync(requesterVpc, AccepterSide, Tags);

        (await requester.DescribePeeringConnectionAsync(PeeringConnectionId.Parse("pcx-0123456789abcdef0"))).ShouldBeNull();
    }

    [Fact]
    public async Task Ec2GatewayDescribePeeringConnections_ListsPeeringsAsRequesterAndAsAccepter()
    {
        var requester = await GatewayAsync(Requester, UsEast1);
        var outgoing = await requester.CreatePeeringConnectionAsync(requesterVpc, AccepterSide, Tags);
        var thirdVpc = await CreateVpcAsync(await RawEc2Async(Hub, UsEast1), "10.8.0.0/16");
        var incoming = await (await GatewayAsync(Hub, UsEast1)).CreatePeeringConnectionAsync(
            thirdVpc, new PeeringSideInfo(Requester, UsEast1, requesterVpc), new Dictionary<string, string>());

        var all = await requester.DescribePeeringConnectionsAsync();

        all.Select(p => p.Id).ShouldBe([outgoing.Id, incoming.Id], ignoreOrder: true);
        all.Single(p => p.Id == incoming.Id).Requester.Account.ShouldBe(Hub);
        all.Single(p => p.Id == incoming.Id).Tags.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ec2GatewayDeletePeering_IsANoOpGivenDeletedOrUnknownPeering()
    {
        var requester = await GatewayAsync(Requester, UsEast1);
        var created = await requester.CreatePeeringConnectionAsync(requesterVpc, AccepterSide, Tags);

        await requester.DeletePeeringConnectionAsync(created.Id);
        await requester.DeletePeeringConnectionAsync(created.Id);
        await requester.DeletePeeringConnectionAsync(PeeringConnectionId.Parse("pcx-0123456789abcdef0"));

        (await requester.DescribePeeringConnectionAsync(created.Id)).ShouldNotBeNull().Status.ShouldBe(PeeringStatus.Deleted);
    }

    [Fact]
    public async Task Ec2GatewayRejectPeering_LeavesItRejected()
    {
        var created = await (await GatewayAsync(Requester, UsEast1)).CreatePeeringConnectionAsync(requesterVpc, AccepterSide, Tags);
        var accepter = await GatewayAsync(Accepter, EuWest1);

        await accepter.RejectPeeringConnectionAsync(created.Id);

        (await accepter.DescribePeeringConnectionAsync(created.Id)).ShouldNotBeNull().Status.ShouldBe(PeeringStatus.Rejected);
    }

    [Fact]
    public async Task Ec2GatewaySetDnsResolution_SetsOnlyTheGivenSide()
    {
        var (requester, accepter, id) = await ActivePeeringAsync();

        await requester.SetDnsResolutionAsync(id, requesterSide: true, allow: true);

        var raw = await RawEc2Async(Requester, UsEast1);
        var described = (await raw.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [id.Value] }))
            .VpcPeeringConnections.ShouldHaveSingleItem();
        described.RequesterVpcInfo.PeeringOptions.AllowDnsResolutionFromRemoteVpc.ShouldBe(true);
        described.AccepterVpcInfo.PeeringOptions.AllowDnsResolutionFromRemoteVpc.ShouldBe(false);

        await accepter.SetDnsResolutionAsync(id, requesterSide: false, allow: true);

        described = (await raw.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [id.Value] }))
            .VpcPeeringConnections.ShouldHaveSingleItem();
        described.AccepterVpcInfo.PeeringOptions.AllowDnsResolutionFromRemoteVpc.ShouldBe(true);
    }

    [Fact]
    public async Task Ec2GatewayCreateTags_TagsThePeeringOnTheRequesterSide()
    {
        var (requester, _, id) = await ActivePeeringAsync();

        await requester.CreateTagsAsync(id.Value, new Dictionary<string, string> { ["Name"] = "to-accepter" });

        (await requester.DescribePeeringConnectionAsync(id)).ShouldNotBeNull().Tags["Name"].ShouldBe("to-accepter");
    }

    [Fact]
    public async Task Ec2GatewayCreateTags_StoresTagsInTheAccepterScopeGivenTheAccepterSide()
    {
        var (_, accepter, id) = await ActivePeeringAsync();

        await accepter.CreateTagsAsync(id.Value, new Dictionary<string, string> { ["Name"] = "to-requester" });

        // moto files the tag under the accepter's account and region (as AWS does), but its
        // DescribeVpcPeeringConnections shows the requester side's tags on both sides, so read it
        // back with DescribeTags in the accepter's scope.
        var raw = await RawEc2Async(Accepter, EuWest1);
        var tags = (await raw.DescribeTagsAsync(new DescribeTagsRequest
        {
            Filters = [new Filter { Name = "resource-id", Values = [id.Value] }],
        })).Tags;
        tags.ShouldContain(t => t.Key == "Name" && t.Value == "to-requester");
    }

    private async Task<(IEc2Gateway Requester, IEc2Gateway Accepter, PeeringConnectionId Id)> ActivePeeringAsync()
    {
        var requester = await GatewayAsync(Requester, UsEast1);
        var accepter = await GatewayAsync(Accepter, EuWest1);
        var created = await requester.CreatePeeringConnectionAsync(requesterVpc, AccepterSide, Tags);
        await accepter.AcceptPeeringConnectionAsync(created.Id);
        return (requester, accepter, created.Id);
    }
}
