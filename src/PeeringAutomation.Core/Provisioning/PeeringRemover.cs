using PeeringAutomation.Core.Ledger;
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
/// The one removal path, shared by rollback and teardown, driven by the ledger record alone (never by
/// tags, which the requester account controls). AWS leaves routes to a deleted peering as blackholes
/// and security-group rules as stale, so this removes, on both sides and each in its own account and
/// region: every route targeting the recorded peering, the rules described with the request id in
/// the groups the record planned (and only there), and then the peering. Safe to repeat on a
/// half-removed or removed peering. A side in an account the automation does not manage (an
/// allow-listed outsider of an auto-accepted peering) is left to its owner; the peering is then
/// deleted from the managed side (either owner may delete it).
/// </summary>
public sealed class PeeringRemover(IEc2GatewayFactory gateways, PeeringPolicy policy)
{
    public async Task<RemovalReport> RemoveAsync(RequestRecord record, PeeringConnectionId? peeringId, CancellationToken ct = default)
    {
        var description = ManagedMarkers.RuleDescription(record.RequestId);
        var sides = new List<SideRemoval>();
        foreach (var (side, plan) in new[] { (record.Requester, record.Plan?.Requester), (record.Accepter, record.Plan?.Accepter) }
                     .Where(s => IsManaged(s.Item1)))
        {
            var gateway = await gateways.ForAsync(side.Scope, ct);
            var routes = peeringId is { } id ? await RemoveRoutesAsync(gateway, side.VpcId, id, ct) : [];
            var groups = plan?.GroupRules.Select(g => g.SecurityGroupId).Distinct().ToList() ?? [];
            var rules = groups.Count > 0 ? await RevokeRulesAsync(gateway, side.VpcId, groups, description, ct) : [];
            sides.Add(new SideRemoval { Side = side, RoutesRemoved = routes, RulesRemoved = rules });
        }
        var deleted = false;
        if (peeringId is { } pcx)
        {
            var owner = IsManaged(record.Requester) ? record.Requester : record.Accepter;
            var gateway = await gateways.ForAsync(owner.Scope, ct);
            var peering = await gateway.DescribePeeringConnectionAsync(pcx, ct);
            if (peering is not null && PeeringStatus.IsLive(peering.Status))
            {
                await gateway.DeletePeeringConnectionAsync(pcx, ct);
                deleted = true;
            }
        }
        return new RemovalReport { PeeringId = peeringId, PeeringDeleted = deleted, Sides = sides };
    }

    private bool IsManaged(PeeringSideInfo side) => policy.ManagedAccounts.Contains(side.Account) && policy.ManagedRegions.Contains(side.Region);

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
        IEc2Gateway gateway, VpcId vpc, IReadOnlyList<SecurityGroupId> groups, string description, CancellationToken ct)
    {
        var removed = new List<string>();
        // Only the groups the ledger recorded, and only while they are still in the side's VPC.
        foreach (var group in (await gateway.DescribeSecurityGroupsAsync(groups, ct)).Where(g => g.VpcId == vpc))
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
