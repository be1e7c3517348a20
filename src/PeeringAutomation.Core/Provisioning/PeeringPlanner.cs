using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>
/// Decides, before anything is created, whether a peering request can be carried out as asked,
/// and plans the routes and rules for both sides. Every rule that fails adds a reason; nothing
/// here calls AWS (the snapshots are read beforehand), so every rule is unit-testable.
/// </summary>
public sealed class PeeringPlanner(PeeringPolicy policy)
{
    private const string AllTraffic = "-1";

    public PlanningOutcome Plan(PeeringRequest request, SideSnapshot requester, SideSnapshot accepter)
    {
        var scope = CheckScope(request);
        // Nothing was read from accounts we may not act in; stop before judging state.
        return scope.Count > 0 ? new PlanningOutcome { Reasons = scope } : PlanInScope(request, requester, accepter);
    }

    /// <summary>
    /// <see cref="Plan"/> for a request whose <see cref="CheckScope"/> already passed (the intake checks
    /// scope before it reads the snapshots, and does not check it twice).
    /// </summary>
    public PlanningOutcome PlanInScope(PeeringRequest request, SideSnapshot requester, SideSnapshot accepter)
    {
        var reasons = new List<Reason>();
        CheckVpc("requester", request.Requester, requester.Vpc, reasons);
        CheckVpc("accepter", request.Accepter, accepter.Vpc, reasons);
        if (requester.Vpc is null || accepter.Vpc is null || reasons.Count > 0)
        {
            return new PlanningOutcome { Reasons = reasons };
        }

        CheckOverlap(requester.Vpc, accepter.Vpc, reasons);
        var existing = CheckExistingPeerings(request, requester, accepter, reasons);
        CheckPeeringQuota("requester", requester, existing, reasons);
        CheckPeeringQuota("accepter", accepter, existing, reasons);

        var (requesterDestinations, accepterDestinations) = PlanDestinations(request, requester.Vpc, accepter.Vpc, reasons);
        var requesterRoutes = PlanRoutes("requester", request.Requester, requester, requesterDestinations, existing, reasons);
        var accepterRoutes = PlanRoutes("accepter", request.Accepter, accepter, accepterDestinations, existing, reasons);
        var requesterRules = PlanRules("requester", request, request.Requester, requester, accepter.Vpc, reasons);
        var accepterRules = PlanRules("accepter", request, request.Accepter, accepter, requester.Vpc, reasons);

        if (reasons.Count > 0)
        {
            return new PlanningOutcome { Reasons = reasons };
        }
        return new PlanningOutcome
        {
            Plan = new PeeringPlan
            {
                Requester = new SidePlan
                {
                    Side = request.Requester.Info, Routes = requesterRoutes, GroupRules = requesterRules,
                    Subnets = RoutedSubnets.Of(requester.RouteTables, requesterRoutes.Select(r => r.RouteTableId).ToHashSet()),
                },
                Accepter = new SidePlan
                {
                    Side = request.Accepter.Info, Routes = accepterRoutes, GroupRules = accepterRules,
                    Subnets = RoutedSubnets.Of(accepter.RouteTables, accepterRoutes.Select(r => r.RouteTableId).ToHashSet()),
                },
                ExistingPeeringId = existing,
            },
        };
    }

    /// <summary>
    /// The checks that need no AWS state: run first, so nothing is read from an account or
    /// region the automation may not act in.
    /// </summary>
    public IReadOnlyList<Reason> CheckScope(PeeringRequest request)
    {
        var reasons = new List<Reason>();
        foreach (var (role, side) in new[] { ("requester", request.Requester), ("accepter", request.Accepter) })
        {
            if (!policy.ManagedAccounts.Contains(side.AccountId))
            {
                reasons.Add(new(ReasonCodes.AccountNotAllowed,
                    $"{role}.accountId: account {side.AccountId} is not in ManagedAccountIds; the automation acts only in managed accounts"));
            }
            if (!policy.ManagedRegions.Contains(side.Region))
            {
                reasons.Add(new(ReasonCodes.RegionNotManaged,
                    $"{role}.region: region {side.Region} is not in ManagedRegions"));
            }
        }
        return reasons;
    }

    private static void CheckVpc(string role, PeeringSideRequest side, Vpc? vpc, List<Reason> reasons)
    {
        if (vpc is null)
        {
            reasons.Add(new(ReasonCodes.VpcNotFound,
                $"{role}.vpcId: VPC {side.VpcId} does not exist in account {side.AccountId}, region {side.Region}"));
        }
        else if (vpc.State != "available")
        {
            reasons.Add(new(ReasonCodes.VpcNotFound,
                $"{role}.vpcId: VPC {side.VpcId} is {vpc.State}, not available"));
        }
        else if (vpc.OwnerId != side.AccountId)
        {
            reasons.Add(new(ReasonCodes.VpcNotFound,
                $"{role}.vpcId: VPC {side.VpcId} is owned by account {vpc.OwnerId}, not {side.AccountId}"));
        }
    }

    private static void CheckOverlap(Vpc requester, Vpc accepter, List<Reason> reasons)
    {
        // AWS fails a peering when ANY block of one VPC overlaps ANY block of the other,
        // primary or secondary, IPv4 or IPv6 (EC2 refuses a peering whose VPCs overlap in any block). moto does not check: we must.
        foreach (var mine in requester.AllBlocks)
        {
            foreach (var theirs in accepter.AllBlocks.Where(mine.Overlaps))
            {
                reasons.Add(new(ReasonCodes.CidrOverlap,
                    $"requester VPC {requester.Id} block {mine} overlaps accepter VPC {accepter.Id} block {theirs}; " +
                    "AWS cannot peer VPCs with overlapping CIDR blocks"));
            }
        }
    }

    private static PeeringConnectionId? CheckExistingPeerings(
        PeeringRequest request, SideSnapshot requester, SideSnapshot accepter, List<Reason> reasons)
    {
        // Both sides' views: a peering requested the other way round shows up on the accepter side.
        var live = requester.Peerings.Concat(accepter.Peerings)
            .Where(p => PeeringStatus.IsLive(p.Status) && p.Connects(request.Requester.VpcId, request.Accepter.VpcId))
            .DistinctBy(p => p.Id)
            .ToList();
        PeeringConnectionId? ours = null;
        foreach (var peering in live)
        {
            if (ManagedMarkers.RequestIdOf(peering) == request.RequestId
                && peering.Requester.VpcId == request.Requester.VpcId)
            {
                ours = peering.Id;
                continue;
            }
            reasons.Add(new(ReasonCodes.DuplicatePeering,
                $"VPCs {request.Requester.VpcId} and {request.Accepter.VpcId} are already peered by {peering.Id} " +
                $"({peering.Status}); AWS allows one peering per VPC pair"));
        }
        return ours;
    }

    private void CheckPeeringQuota(string role, SideSnapshot side, PeeringConnectionId? existing, List<Reason> reasons)
    {
        var vpc = side.Vpc!;
        // Pending and provisioning peerings become active: count them so acceptance cannot fail later.
        var count = side.Peerings.Count(p =>
            PeeringStatus.IsLive(p.Status) && p.Id != existing && (p.Requester.VpcId == vpc.Id || p.Accepter.VpcId == vpc.Id));
        if (count + 1 > policy.MaxPeeringsPerVpc)
        {
            reasons.Add(new(ReasonCodes.PeeringQuotaExceeded,
                $"{role} VPC {vpc.Id} already has {count} peerings; the quota is {policy.MaxPeeringsPerVpc} per VPC"));
        }
    }

    private static (IReadOnlyList<Cidr> Requester, IReadOnlyList<Cidr> Accepter) PlanDestinations(
        PeeringRequest request, Vpc requesterVpc, Vpc accepterVpc, List<Reason> reasons)
    {
        if (request.DestinationCidrs is null)
        {
            // Default: each side routes to every block of the other.
            return (accepterVpc.AllBlocks.ToList(), requesterVpc.AllBlocks.ToList());
        }
        var toAccepter = new List<Cidr>();
        var toRequester = new List<Cidr>();
        for (var i = 0; i < request.DestinationCidrs.Count; i++)
        {
            var cidr = request.DestinationCidrs[i];
            if (accepterVpc.AllBlocks.Any(b => b.Contains(cidr)))
            {
                toAccepter.Add(cidr);
            }
            else if (requesterVpc.AllBlocks.Any(b => b.Contains(cidr)))
            {
                toRequester.Add(cidr);
            }
            else
            {
                reasons.Add(new(ReasonCodes.TransitiveRouting,
                    $"destinationCidrs[{i}]: {cidr} is not inside a CIDR block of VPC {accepterVpc.Id} or {requesterVpc.Id}. " +
                    "VPC peering is not transitive: traffic cannot reach another VPC, an on-premises network or the " +
                    "internet through the peer (no transit or edge-to-edge routing)"));
            }
        }
        if (reasons.Count == 0 && (toAccepter.Count == 0 || toRequester.Count == 0))
        {
            var missing = toAccepter.Count == 0 ? $"the accepter VPC {accepterVpc.Id}" : $"the requester VPC {requesterVpc.Id}";
            reasons.Add(new(ReasonCodes.InvalidRequest,
                $"destinationCidrs: no range inside {missing}; traffic needs a route in both directions, so list " +
                "ranges of both VPCs or omit destinationCidrs to route to every block"));
        }
        return (toAccepter, toRequester);
    }

    private IReadOnlyList<PlannedRoute> PlanRoutes(
        string role, PeeringSideRequest side, SideSnapshot snapshot, IReadOnlyList<Cidr> destinations,
        PeeringConnectionId? existing, List<Reason> reasons)
    {
        var tables = new List<RouteTable>();
        if (side.RouteTableIds is null)
        {
            tables.AddRange(snapshot.RouteTables);
        }
        else
        {
            for (var i = 0; i < side.RouteTableIds.Count; i++)
            {
                var id = side.RouteTableIds[i];
                var table = snapshot.RouteTables.FirstOrDefault(t => t.Id == id);
                if (table is null)
                {
                    reasons.Add(new(ReasonCodes.InvalidRequest,
                        $"{role}.routeTableIds[{i}]: route table {id} is not a route table of VPC {side.VpcId}"));
                }
                else
                {
                    tables.Add(table);
                }
            }
        }

        var planned = new List<PlannedRoute>();
        foreach (var table in tables)
        {
            foreach (var destination in destinations)
            {
                var same = table.Routes.FirstOrDefault(r => r.Destination == destination);
                if (same is not null)
                {
                    var isOurs = same.TargetKind == RouteTargetKind.PeeringConnection && existing is not null
                        && same.TargetId == existing.Value.Value;
                    if (!isOurs)
                    {
                        reasons.Add(new(ReasonCodes.RouteConflict,
                            $"{role} route table {table.Id} already routes {destination} to {Describe(same)}"));
                    }
                    continue;
                }
                // A more specific route elsewhere would steal part of the peer's range.
                foreach (var narrower in table.Routes.Where(r =>
                             r.TargetKind != RouteTargetKind.Local && destination.Contains(r.Destination)
                             && !(r.TargetKind == RouteTargetKind.PeeringConnection && existing is not null
                                  && r.TargetId == existing.Value.Value)))
                {
                    reasons.Add(new(ReasonCodes.RouteConflict,
                        $"{role} route table {table.Id} routes {narrower.Destination}, part of {destination}, to " +
                        $"{Describe(narrower)}; that traffic would not reach the peer"));
                }
                planned.Add(new PlannedRoute(table.Id, destination));
            }
            foreach (var family in new[] { IpFamily.IPv4, IpFamily.IPv6 })
            {
                var current = table.Routes.Count(r => r.TargetKind != RouteTargetKind.Local && r.Destination.Family == family);
                var adding = planned.Count(r => r.RouteTableId == table.Id && r.Destination.Family == family);
                if (adding > 0 && current + adding > policy.MaxRoutesPerTable)
                {
                    reasons.Add(new(ReasonCodes.RouteQuotaExceeded,
                        $"{role} route table {table.Id} has {current} {family} routes; adding {adding} exceeds the quota of " +
                        $"{policy.MaxRoutesPerTable}"));
                }
            }
        }
        return planned;
    }

    private static string Describe(Route route) =>
        route.State == "blackhole" ? $"{route.TargetId} (blackhole)" : route.TargetId;

    private IReadOnlyList<PlannedGroupRules> PlanRules(
        string role, PeeringRequest request, PeeringSideRequest side, SideSnapshot snapshot, Vpc peerVpc, List<Reason> reasons)
    {
        var description = ManagedMarkers.RuleDescription(request.RequestId);
        var byGroup = new Dictionary<SecurityGroupId, List<IngressPermission>>();
        for (var i = 0; i < side.IngressFromPeer.Count; i++)
        {
            var rule = side.IngressFromPeer[i];
            var field = $"{role}.ingressFromPeer[{i}]";
            var group = snapshot.SecurityGroups.FirstOrDefault(g => g.Id == rule.SecurityGroupId);
            if (group is null || group.VpcId != side.VpcId)
            {
                reasons.Add(new(ReasonCodes.SecurityGroupNotInVpc,
                    $"{field}.securityGroupId: security group {rule.SecurityGroupId} is not a group of VPC {side.VpcId}"));
                continue;
            }
            if (rule.Protocol == AllTraffic && !policy.AllowAllTraffic)
            {
                reasons.Add(new(ReasonCodes.TrafficNotAllowed,
                    $"{field}.protocol: all traffic (-1) is not allowed by policy (AllowAllTraffic=false); ask for the ports you need"));
                continue;
            }
            // Sources are the peer VPC's own blocks: never wider, so no rule ever opens 0.0.0.0/0 or ::/0.
            var sources = rule.Protocol switch
            {
                "icmp" => peerVpc.Ipv4Blocks,
                "icmpv6" => peerVpc.Ipv6Blocks,
                _ => peerVpc.AllBlocks.ToList(),
            };
            var list = byGroup.TryGetValue(group.Id, out var found) ? found : byGroup[group.Id] = [];
            foreach (var source in sources)
            {
                var permission = new IngressPermission
                {
                    Protocol = rule.Protocol,
                    FromPort = rule.FromPort,
                    ToPort = rule.ToPort,
                    SourceCidr = source,
                    Description = description,
                };
                var present = group.Ingress.FirstOrDefault(p => p.SameRuleAs(permission));
                if (present is not null && present.Description != description)
                {
                    // The same rule exists but is not ours: adding would fail as a duplicate, and
                    // teardown would then revoke someone else's access.
                    reasons.Add(new(ReasonCodes.RuleConflict,
                        $"{field}: security group {group.Id} already allows {rule.Protocol} {rule.FromPort}-{rule.ToPort} " +
                        $"from {source} with description '{present.Description}', which is not ours"));
                    continue;
                }
                if (present is null && !list.Any(p => p.SameRuleAs(permission)))
                {
                    list.Add(permission);
                }
            }
        }
        foreach (var (groupId, permissions) in byGroup)
        {
            var group = snapshot.SecurityGroups.First(g => g.Id == groupId);
            if (permissions.Count > 0 && group.Ingress.Count + permissions.Count > policy.MaxInboundRulesPerGroup)
            {
                reasons.Add(new(ReasonCodes.RuleQuotaExceeded,
                    $"{role} security group {groupId} has {group.Ingress.Count} inbound rules; adding {permissions.Count} " +
                    $"exceeds the quota of {policy.MaxInboundRulesPerGroup}"));
            }
        }
        return byGroup.Where(kv => kv.Value.Count > 0).Select(kv => new PlannedGroupRules(kv.Key, kv.Value)).ToList();
    }
}
