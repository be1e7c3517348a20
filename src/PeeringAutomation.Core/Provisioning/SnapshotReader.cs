using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>Reads what validation needs about one side, in that side's own account and region (4 describe calls).</summary>
public sealed class SnapshotReader(IEc2GatewayFactory gateways)
{
    public async Task<SideSnapshot> ReadAsync(PeeringSideRequest side, CancellationToken ct = default)
    {
        var gateway = await gateways.ForAsync(side.Scope, ct);
        Vpc? vpc;
        try
        {
            vpc = (await gateway.DescribeVpcsAsync([side.VpcId], ct)).FirstOrDefault(v => v.Id == side.VpcId);
        }
        catch (ResourceNotFound)
        {
            vpc = null; // EC2 answers an unknown id with InvalidVpcID.NotFound, not an empty list.
        }
        if (vpc is null)
        {
            return new SideSnapshot();
        }
        var peerings = await gateway.DescribePeeringConnectionsAsync(ct);
        var tables = (await gateway.DescribeRouteTablesAsync([side.VpcId], ct)).Where(t => t.VpcId == side.VpcId).ToList();
        var groupIds = side.IngressFromPeer.Select(r => r.SecurityGroupId).Distinct().ToList();
        var groups = groupIds.Count == 0 ? [] : await DescribeGroupsAsync(gateway, groupIds, ct);
        return new SideSnapshot { Vpc = vpc, Peerings = peerings, RouteTables = tables, SecurityGroups = groups };
    }

    private static async Task<IReadOnlyList<SecurityGroup>> DescribeGroupsAsync(
        IEc2Gateway gateway, IReadOnlyCollection<SecurityGroupId> ids, CancellationToken ct)
    {
        try
        {
            return await gateway.DescribeSecurityGroupsAsync(ids, ct);
        }
        catch (ResourceNotFound)
        {
            // One unknown id fails the whole call; fall back to the region's groups so the
            // validator can name exactly which ones are missing.
            return (await gateway.DescribeSecurityGroupsAsync([], ct)).Where(g => ids.Contains(g.Id)).ToList();
        }
    }
}
