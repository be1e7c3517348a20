using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>
/// Judges the network ACLs of the subnets the peering serves (those associated with the plan's route
/// tables, a main table serving every subnet no table names) for the ports asked in
/// <c>ingressFromPeer</c>: on the receiving side the request in and the reply out, on the sending side
/// the request out and the reply in. Warnings, never refusals: NACLs are the VPC owner's business.
/// One describe per side (network ACLs; the route tables' subnet facts come with the plan, or a second describe for older plans).
/// </summary>
public sealed class NaclCheck(IEc2GatewayFactory gateways)
{
    public async Task<IReadOnlyList<NaclWarning>> WarningsAsync(PeeringRequest request, PeeringPlan plan, CancellationToken ct = default)
    {
        var requester = await SideAsync("requester", request.Requester, plan.Requester, ct);
        var accepter = await SideAsync("accepter", request.Accepter, plan.Accepter, ct);
        var warnings = new List<NaclWarning>();
        foreach (var (into, from, intoPlan, fromPlan) in new[]
                 {
                     (accepter, requester, plan.Accepter, plan.Requester),
                     (requester, accepter, plan.Requester, plan.Accepter),
                 })
        {
            // Flows into this side: the permissions asked for it, from the peer's blocks.
            var flows = intoPlan.GroupRules.SelectMany(g => g.Permissions)
                .Where(p => p.SourceCidr is not null)
                .Select(p => new NaclFlow(p.Protocol, p.FromPort, p.ToPort, p.SourceCidr!))
                .Distinct().ToList();
            if (flows.Count == 0)
            {
                continue;
            }
            warnings.AddRange(NaclEvaluator.Judge(into.Name, into.Acls, into.Subnets, flows, inbound: true));
            // The same flows leave the peer's subnets towards this side's blocks (the peer's routes to it).
            var targets = fromPlan.Routes.Select(r => r.Destination).Distinct().ToList();
            var outbound = flows.SelectMany(f => targets.Where(t => t.Family == f.PeerBlock.Family).Select(t => f with { PeerBlock = t })).Distinct().ToList();
            warnings.AddRange(NaclEvaluator.Judge(from.Name, from.Acls, from.Subnets, outbound, inbound: false));
        }
        return warnings.DistinctBy(w => (w.Side, w.SubnetId, w.Direction, w.Protocol, w.Ports, w.RuleNumber, w.Message)).ToList();
    }

    private sealed record Side(string Name, IReadOnlyList<NetworkAcl> Acls, IReadOnlyList<string> Subnets);

    private async Task<Side> SideAsync(string name, PeeringSideRequest side, SidePlan plan, CancellationToken ct)
    {
        var gateway = await gateways.ForAsync(side.Scope, ct);
        var acls = await gateway.DescribeNetworkAclsAsync([side.VpcId], ct);
        if (plan.Subnets is { } subnets)
        {
            // Validation read the route tables minutes ago and carried the subnet facts forward.
            return new Side(name, acls, subnets.Served(acls.SelectMany(a => a.SubnetIds)));
        }
        var tables = await gateway.DescribeRouteTablesAsync([side.VpcId], ct);
        var chosen = plan.Routes.Select(r => r.RouteTableId).ToHashSet();
        return new Side(name, acls, SubnetsServedBy(tables, chosen, acls));
    }

    /// <summary>
    /// The subnets the chosen tables serve: their explicit associations, and for a main table every subnet
    /// no table names (every subnet has exactly one ACL, so the ACLs' associations list the VPC's subnets).
    /// </summary>
    public static IReadOnlyList<string> SubnetsServedBy(IReadOnlyList<RouteTable> tables, IReadOnlySet<RouteTableId> chosen, IReadOnlyList<NetworkAcl> acls)
    {
        var named = tables.SelectMany(t => t.SubnetIds).ToHashSet(StringComparer.Ordinal);
        var all = acls.SelectMany(a => a.SubnetIds).ToHashSet(StringComparer.Ordinal);
        return tables.Where(t => chosen.Contains(t.Id))
            .SelectMany(t => t.IsMain ? t.SubnetIds.Concat(all.Where(s => !named.Contains(s))) : t.SubnetIds)
            .Distinct(StringComparer.Ordinal).ToList();
    }
}
