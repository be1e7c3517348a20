using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Ports;

/// <summary>
/// The EC2 operations the automation uses, scoped to one account and region. Implementations
/// return complete, non-null domain records and translate EC2 errors into the exception types of
/// <see cref="PeeringAutomation.Core.Errors"/>. Describe calls return what EC2 returned after
/// re-checking in code (moto ignores some filters), and page through every result.
/// </summary>
public interface IEc2Gateway
{
    /// <summary>The account and region this gateway acts in.</summary>
    AccountRegion Scope { get; }

    /// <summary>The VPCs with these ids that exist here (unknown ids are absent, not an error); every VPC of the region when empty.</summary>
    Task<IReadOnlyList<Vpc>> DescribeVpcsAsync(IReadOnlyCollection<VpcId> ids, CancellationToken ct = default);

    /// <summary>Every peering connection visible here (both as requester and as accepter), in any state.</summary>
    Task<IReadOnlyList<PeeringConnection>> DescribePeeringConnectionsAsync(CancellationToken ct = default);

    /// <summary>One peering connection, or null when it is not visible here.</summary>
    Task<PeeringConnection?> DescribePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default);

    /// <summary>Requests a peering from <paramref name="requesterVpc"/> (in this scope) to the accepter VPC, tagged at creation.</summary>
    Task<PeeringConnection> CreatePeeringConnectionAsync(
        VpcId requesterVpc, PeeringSideInfo accepter, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default);

    /// <summary>Accepts the peering here; returns its status code as the accept's answer reports it (null when the answer has none).</summary>
    Task<string?> AcceptPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default);

    Task RejectPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default);

    Task DeletePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default);

    /// <summary>Allows DNS resolution from the remote VPC on this scope's side of an active peering.</summary>
    Task SetDnsResolutionAsync(PeeringConnectionId id, bool requesterSide, bool allow, CancellationToken ct = default);

    Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default);

    /// <summary>Every route table of the VPCs (all VPCs of the region when empty).</summary>
    Task<IReadOnlyList<RouteTable>> DescribeRouteTablesAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default);

    Task CreateRouteAsync(RouteTableId table, Cidr destination, PeeringConnectionId target, CancellationToken ct = default);

    Task DeleteRouteAsync(RouteTableId table, Cidr destination, CancellationToken ct = default);

    /// <summary>The security groups with these ids (unknown ids are absent, not an error); every group of the region when empty.</summary>
    Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyCollection<SecurityGroupId> ids, CancellationToken ct = default);

    /// <summary>Every security group of one VPC (the <c>vpc-id</c> filter, re-checked in code).</summary>
    Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsOfVpcAsync(VpcId vpc, CancellationToken ct = default);

    /// <summary>Adds the permissions in one call; every permission carries its own description.</summary>
    Task AuthorizeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default);

    Task RevokeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default);

    /// <summary>Flow logs attached to any of these resource ids (batched by the resource-id filter).</summary>
    Task<IReadOnlyList<FlowLog>> DescribeFlowLogsAsync(IReadOnlyCollection<string> resourceIds, CancellationToken ct = default);

    /// <summary>
    /// Creates a flow log capturing ALL traffic of <paramref name="vpc"/> to <paramref name="target"/>; returns its id, or null
    /// when EC2 answers <c>FlowLogAlreadyExists</c> (one with that destination is there: success, never touched).
    /// A per-resource failure (<c>Unsuccessful</c>) is thrown as a <see cref="PeeringAutomation.Core.PeeringAutomationError"/>.
    /// </summary>
    Task<string?> CreateFlowLogsAsync(VpcId vpc, FlowLogTarget target, CancellationToken ct = default);

    /// <summary>Every network ACL of the VPCs (all of the region when empty) with subnet associations and entries (the <c>vpc-id</c> filter, re-checked in code).</summary>
    Task<IReadOnlyList<NetworkAcl>> DescribeNetworkAclsAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default);
}

/// <summary>
/// Hands out gateways per account and region: the hub account uses the function's own
/// credentials, every other account an assumed member role.
/// </summary>
public interface IEc2GatewayFactory
{
    /// <exception cref="PeeringAutomation.Core.Errors.MemberRoleUnavailable">the member role cannot be assumed.</exception>
    Task<IEc2Gateway> ForAsync(AccountRegion scope, CancellationToken ct = default);
}
