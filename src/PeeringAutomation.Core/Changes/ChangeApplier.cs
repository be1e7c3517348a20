using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Core.Changes;

/// <summary>
/// Moves a live peering from one recorded state to another, in an order that never leaves less allowed
/// than both states allow: first every new route and rule on both sides, then the ones no longer
/// wanted, then DNS (each owner its own side), then the expiry tag on both sides. Every step reads
/// before it writes, so it is safe to repeat; and a rollback is the same move backwards
/// (<paramref name="to"/> → <paramref name="from"/>), which restores exactly the previous state from
/// any point of a half-done change.
/// </summary>
public sealed class ChangeApplier(IEc2GatewayFactory gateways, PeeringProvisioner provisioner)
{
    public async Task MoveAsync(RequestRecord record, PeeringState from, PeeringState to, CancellationToken ct = default)
    {
        var peering = record.PeeringId ?? throw new PeeringRequestInvalid($"request {record.RequestId} has no peering to change");
        var sides = new[] { (from.Plan.Requester, to.Plan.Requester), (from.Plan.Accepter, to.Plan.Accepter) };
        // 1. Add: never a moment with less than both the old and the new allowed.
        foreach (var (was, will) in sides)
        {
            var routes = PlanSets.RoutesMissing(will, was);
            var rules = PlanSets.RulesMissing(will, was);
            if (routes.Count > 0)
            {
                await provisioner.ConfigureRoutesAsync(will with { Routes = routes, GroupRules = [] }, peering, ct);
            }
            if (rules.Count > 0)
            {
                await provisioner.ConfigureSecurityGroupsAsync(will with { Routes = [], GroupRules = rules }, record.RequestId, ct);
            }
        }
        // 2. Remove what is no longer wanted (only what is ours: routes to this peering, rules with our description).
        foreach (var (was, will) in sides)
        {
            await RemoveRoutesAsync(was.Side, PlanSets.RoutesMissing(was, will), peering, ct);
            await RevokeRulesAsync(was.Side, PlanSets.RulesMissing(was, will), ManagedMarkers.RuleDescription(record.RequestId), ct);
        }
        // 3. DNS: each owner sets its own side's option (EC2 needs the peering active).
        if (from.AllowDnsResolution != to.AllowDnsResolution)
        {
            var requester = await gateways.ForAsync(record.Requester.Scope, ct);
            await requester.SetDnsResolutionAsync(peering, requesterSide: true, allow: to.AllowDnsResolution, ct);
            var accepter = await gateways.ForAsync(record.Accepter.Scope, ct);
            await accepter.SetDnsResolutionAsync(peering, requesterSide: false, allow: to.AllowDnsResolution, ct);
        }
        // 4. The expiry tag, a label for people on both sides (the ledger is the authority the sweep reads).
        if (from.ExpiresAt != to.ExpiresAt)
        {
            var tags = new Dictionary<string, string> { [ManagedMarkers.ExpiresAtTag] = ChangeDiff.Expiry(to.ExpiresAt) };
            foreach (var side in new[] { record.Requester, record.Accepter })
            {
                var gateway = await gateways.ForAsync(side.Scope, ct);
                await gateway.CreateTagsAsync(peering.Value, tags, ct);
            }
        }
    }


    private async Task RemoveRoutesAsync(PeeringSideInfo side, IReadOnlyList<PlannedRoute> routes, PeeringConnectionId peering, CancellationToken ct)
    {
        if (routes.Count == 0)
        {
            return;
        }
        var gateway = await gateways.ForAsync(side.Scope, ct);
        var tables = await gateway.DescribeRouteTablesAsync([side.VpcId], ct);
        foreach (var route in routes)
        {
            var present = tables.FirstOrDefault(t => t.Id == route.RouteTableId)?.Routes.FirstOrDefault(r => r.Destination == route.Destination);
            // Gone already (an earlier attempt), or pointing elsewhere (not ours to delete): nothing to do.
            if (present is { TargetKind: RouteTargetKind.PeeringConnection } && present.TargetId == peering.Value)
            {
                await gateway.DeleteRouteAsync(route.RouteTableId, route.Destination, ct);
            }
        }
    }

    private async Task RevokeRulesAsync(PeeringSideInfo side, IReadOnlyList<PlannedGroupRules> rules, string description, CancellationToken ct)
    {
        if (rules.Count == 0)
        {
            return;
        }
        var gateway = await gateways.ForAsync(side.Scope, ct);
        var groups = await gateway.DescribeSecurityGroupsAsync(rules.Select(r => r.SecurityGroupId).Distinct().ToList(), ct);
        foreach (var planned in rules)
        {
            var group = groups.FirstOrDefault(g => g.Id == planned.SecurityGroupId && g.VpcId == side.VpcId);
            var ours = group?.Ingress.Where(p => p.Description == description && planned.Permissions.Any(p.SameRuleAs)).ToList() ?? [];
            if (ours.Count > 0)
            {
                await gateway.RevokeIngressAsync(planned.SecurityGroupId, ours, ct);
            }
        }
    }
}
