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
        // The port returns only the VPCs that exist (it describes by filter), so a missing one is null here.
        var vpc = (await gateway.DescribeVpcsAsync([side.VpcId], ct)).FirstOrDefault(v => v.Id == side.VpcId);
        if (vpc is null)
        {
            return new SideSnapshot();
        }
        var peerings = await gateway.DescribePeeringConnectionsAsync(ct);
        var tables = (await gateway.DescribeRouteTablesAsync([side.VpcId], ct)).Where(t => t.VpcId == side.VpcId).ToList();
        var groupIds = side.IngressFromPeer.Select(r => r.SecurityGroupId).Distinct().ToList();
        // Unknown group ids are simply absent; the validator names them.
        var groups = groupIds.Count == 0 ? [] : await gateway.DescribeSecurityGroupsAsync(groupIds, ct);
        return new SideSnapshot { Vpc = vpc, Peerings = peerings, RouteTables = tables, SecurityGroups = groups };
    }
}
