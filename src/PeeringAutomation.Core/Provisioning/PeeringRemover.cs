using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>What a removal took away on one side.</summary>
public sealed record SideRemoval
{
    public required PeeringSideInfo Side { get; init; }

    /// <summary>Routes deleted, as <c>rtb-…: cidr</c>.</summary>
    public required IReadOnlyList<string> RoutesRemoved { get; init; }

    /// <summary>Rules revoked, as <c>sg-…: protocol from-to source</c>.</summary>
    public required IReadOnlyList<string> RulesRemoved { get; init; }
}

/// <summary>What a removal took away in all.</summary>
public sealed record RemovalReport
{
    public PeeringConnectionId? PeeringId { get; init; }

    public required bool PeeringDeleted { get; init; }

    public required IReadOnlyList<SideRemoval> Sides { get; init; }
}

/// <summary>
/// The one removal path, shared by rollback and teardown. AWS leaves routes to a deleted peering
/// as blackholes and security-group rules as stale, so this removes, on both sides and each in its
/// own account and region: every route targeting the peering, exactly the rules described with
/// the request id, and then the peering. Safe to repeat on a half-removed or removed peering.
/// </summary>
public sealed class PeeringRemover(IEc2GatewayFactory gateways)
{
    public async Task<RemovalReport> RemoveAsync(
        RequestId requestId, PeeringSideInfo requester, PeeringSideInfo accepter, PeeringConnectionId? peeringId,
        CancellationToken ct = default)
    {
        var sides = new List<SideRemoval>();
        foreach (var side in new[] { requester, accepter })
        {
            var gateway = await gateways.ForAsync(new AccountRegion(side.Account, side.Region), ct);
            var routes = peeringId is { } id ? await RemoveRoutesAsync(gateway, side.VpcId, id, ct) : [];
            var rules = await RevokeRulesAsync(gateway, side.VpcId, ManagedMarkers.RuleDescription(requestId), ct);
            sides.Add(new SideRemoval { Side = side, RoutesRemoved = routes, RulesRemoved = rules });
        }
        var deleted = false;
        if (peeringId is { } pcx)
        {
            var gateway = await gateways.ForAsync(new AccountRegion(requester.Account, requester.Region), ct);
            var peering = await gateway.DescribePeeringConnectionAsync(pcx, ct);
            if (peering is not null && PeeringStatus.IsLive(peering.Status))
            {
                await gateway.DeletePeeringConnectionAsync(pcx, ct);
                deleted = true;
            }
        }
        return new RemovalReport { PeeringId = peeringId, PeeringDeleted = deleted, Sides = sides };
    }

    private static async Task<IReadOnlyList<string>> RemoveRoutesAsync(
        IEc2Gateway gateway, VpcId vpc, PeeringConnectionId peering, CancellationToken ct)
    {
        var removed = new List<string>();
        // Every table of the VPC, not only the planned ones: any route to a deleted peering is a blackhole.
        foreach (var table in await gateway.DescribeRouteTablesAsync([vpc], ct))
        {
            foreach (var route in table.Routes.Where(r =>
                         r.TargetKind == RouteTargetKind.PeeringConnection && r.TargetId == peering.Value))
            {
                await gateway.DeleteRouteAsync(table.Id, route.Destination, ct);
                removed.Add($"{table.Id}: {route.Destination}");
            }
        }
        return removed;
    }

    private static async Task<IReadOnlyList<string>> RevokeRulesAsync(
        IEc2Gateway gateway, VpcId vpc, string description, CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var group in await gateway.DescribeSecurityGroupsOfVpcAsync(vpc, ct))
        {
            var ours = group.Ingress.Where(p => p.Description == description).ToList();
            if (ours.Count == 0)
            {
                continue;
            }
            await gateway.RevokeIngressAsync(group.Id, ours, ct);
            removed.AddRange(ours.Select(p =>
                $"{group.Id}: {p.Protocol} {p.FromPort}-{p.ToPort} from {(object?)p.SourceCidr ?? p.SourceGroup}"));
        }
        return removed;
    }
}
