using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Core.Compliance;

/// <summary>The findings of one account and region, and what it cost to read them.</summary>
public sealed record ScopeEvaluation
{
    public required AccountRegion Scope { get; init; }

    public required IReadOnlyList<ComplianceFinding> Findings { get; init; }

    public required int PeeringsChecked { get; init; }

    public required int VpcsChecked { get; init; }

    /// <summary>EC2 describe calls made (pages count one each at the gateway; here one per batch).</summary>
    public required int ApiCalls { get; init; }

    public required bool Failed { get; init; }
}

/// <summary>
/// Evaluates one account and region with a fixed number of calls, whatever the number of
/// peerings: one describe each of peerings, VPCs, route tables and (batched) flow logs, plus one
/// VPC describe per *other* managed account-region that peers in, to judge routes against the
/// peer's real blocks. Judges only the sides that live in this scope, so every side of every
/// peering is judged exactly once across a sweep.
/// </summary>
public sealed class ComplianceEvaluator(IEc2GatewayFactory gateways, IRequestLedger ledger, PeeringPolicy policy, TimeProvider clock)
{
    private static readonly string[] DeadStates =
        [PeeringStatus.Deleted, PeeringStatus.Failed, PeeringStatus.Rejected, PeeringStatus.Expired];

    public async Task<ScopeEvaluation> EvaluateAsync(AccountRegion scope, CancellationToken ct = default)
    {
        var calls = 0;
        try
        {
            var gateway = await gateways.ForAsync(scope, ct);
            var peeringsTask = gateway.DescribePeeringConnectionsAsync(ct);
            var vpcsTask = gateway.DescribeVpcsAsync([], ct);
            var tablesTask = gateway.DescribeRouteTablesAsync([], ct);
            var peerings = await peeringsTask;
            var vpcs = await vpcsTask;
            var tables = await tablesTask;
            calls += 3;

            var here = vpcs.Select(v => v.Id).ToHashSet();
            var active = peerings.Where(p => p.Status == PeeringStatus.Active).ToList();
            var peeredVpcs = active.SelectMany(p => new[] { p.Requester, p.Accepter })
                .Where(s => InScope(s, scope) && here.Contains(s.VpcId))
                .Select(s => s.VpcId.Value).Distinct().ToList();
            var flowLogs = new List<FlowLog>();
            foreach (var batch in peeredVpcs.Chunk(1000))
            {
                flowLogs.AddRange(await gateway.DescribeFlowLogsAsync(batch, ct));
                calls++;
            }
            var (peerBlocks, peerCalls) = await PeerBlocksAsync(scope, active, ct);
            calls += peerCalls;
            // The ledger, not the tags, says what the automation manages (batched reads).
            var live = peerings.Where(p => PeeringStatus.IsLive(p.Status)).ToList();
            var known = live.Count == 0 ? new Dictionary<PeeringConnectionId, RequestId>() : await ledger.KnownPeeringsAsync(live.Select(p => p.Id).ToList(), ct);

            var findings = new List<ComplianceFinding>();
            // Looked up by VPC: a scope of 10,000 VPCs must not scan every log for every side.
            var logsByVpc = flowLogs.ToLookup(l => l.ResourceId, StringComparer.Ordinal);
            foreach (var peering in active)
            {
                JudgeActivePeering(scope, peering, known.ContainsKey(peering.Id), here, logsByVpc, findings);
            }
            foreach (var peering in live.Where(p => ManagedMarkers.IsManaged(p) && !known.ContainsKey(p.Id)))
            {
                JudgeForgedMarker(scope, peering, here, findings);
            }
            JudgeRoutes(scope, tables, peerings, peerBlocks, findings);
            calls += await JudgeNaclsAsync(gateway, scope, active.Where(p => known.ContainsKey(p.Id)).ToList(), known, here, tables, peerBlocks, findings, ct);
            return new ScopeEvaluation
            {
                Scope = scope,
                Findings = findings.DistinctBy(f => f.FindingId).ToList(),
                PeeringsChecked = peerings.Count, VpcsChecked = vpcs.Count, ApiCalls = calls, Failed = false,
            };
        }
        catch (PeeringAutomationError error) when (error is not PeeringRequestInvalid)
        {
            // An unreachable account or region is a finding of its own, not a failed sweep.
            return new ScopeEvaluation
            {
                Scope = scope,
                Findings =
                [
                    new ComplianceFinding
                    {
                        FindingId = ComplianceFinding.StableId(FindingTypes.ScanFailed, scope.Account.Value, scope.Region.Value),
                        FindingType = FindingTypes.ScanFailed, Severity = "HIGH",
                        AccountId = scope.Account, Region = scope.Region,
                        Message = $"Could not scan {scope}: {error.GetType().Name}: {error.Message}",
                    },
                ],
                PeeringsChecked = 0, VpcsChecked = 0, ApiCalls = calls, Failed = true,
            };
        }
    }

    /// <summary>A peering tagged managed that the ledger does not know: a forged or stray label, never acted on.</summary>
    private static void JudgeForgedMarker(AccountRegion scope, PeeringConnection peering, HashSet<VpcId> here, List<ComplianceFinding> findings)
    {
        foreach (var side in new[] { peering.Requester, peering.Accepter }.Where(s => InScope(s, scope) && here.Contains(s.VpcId)))
        {
            findings.Add(Finding(FindingTypes.ManagedTagWithoutRecord, "HIGH", side, peering,
                $"Peering {peering.Id} ({peering.Status}) between {peering.Requester.VpcId} and {peering.Accepter.VpcId} is tagged " +
                $"{ManagedMarkers.ManagedTag}=true but the request ledger has no record of it: the automation never acts on it. " +
                "Someone tagged it by hand or to impersonate a managed peering; find out who (CloudTrail CreateTags)"));
        }
    }

    private void JudgeActivePeering(
        AccountRegion scope, PeeringConnection peering, bool managed, HashSet<VpcId> here, ILookup<string, FlowLog> flowLogs,
        List<ComplianceFinding> findings)
    {
        foreach (var (side, other) in new[] { (peering.Requester, peering.Accepter), (peering.Accepter, peering.Requester) })
        {
            if (!InScope(side, scope) || !here.Contains(side.VpcId))
            {
                continue;
            }
            var logs = flowLogs[side.VpcId.Value].Where(l => l.Status == "ACTIVE").ToList();
            if (logs.Count == 0)
            {
                findings.Add(Finding(FindingTypes.FlowLogsMissing, "HIGH", side, peering,
                    $"VPC {side.VpcId} in {side.Account}/{side.Region} is peered by {peering.Id} with {other.VpcId} " +
                    $"({other.Account}/{other.Region}) but has no active flow log: traffic over the peering is not monitored"));
            }
            else if (logs.All(l => l.TrafficType != "ALL"))
            {
                findings.Add(Finding(FindingTypes.FlowLogsPartial, "LOW", side, peering,
                    $"VPC {side.VpcId} in {side.Account}/{side.Region} (peering {peering.Id}) logs only " +
                    $"{string.Join("/", logs.Select(l => l.TrafficType).Distinct())} traffic; set a flow log capturing ALL"));
            }
            if (!managed)
            {
                findings.Add(Finding(FindingTypes.UnmanagedPeering, "MEDIUM", side, peering,
                    $"Peering {peering.Id} between {peering.Requester.VpcId} and {peering.Accepter.VpcId} was neither created " +
                    "nor accepted by the automation"));
            }
            if (!policy.ManagedAccounts.Contains(other.Account) && !policy.IsAllowedRequester(other.Account))
            {
                findings.Add(Finding(FindingTypes.PeerAccountNotAllowed, "HIGH", side, peering,
                    $"VPC {side.VpcId} is peered by {peering.Id} with account {other.Account}, which is neither managed nor in " +
                    "AllowedPeerAccountIds"));
            }
            if (InScope(peering.Requester, scope) && side == peering.Requester && managed
                && peering.Tags.TryGetValue(ManagedMarkers.ExpiresAtTag, out var expiry)
                && LedgerTime.Parse(expiry) is { } expiresAt && expiresAt <= clock.GetUtcNow())
            {
                findings.Add(Finding(FindingTypes.PeeringExpired, "MEDIUM", side, peering,
                    $"Peering {peering.Id} expired at {LedgerTime.Of(expiresAt)} and is still active; the expiry sweep " +
                    "should tear it down"));
            }
        }
    }

    private static void JudgeRoutes(
        AccountRegion scope, IReadOnlyList<RouteTable> tables, IReadOnlyList<PeeringConnection> peerings,
        IReadOnlyDictionary<VpcId, IReadOnlyList<Cidr>> peerBlocks, List<ComplianceFinding> findings)
    {
        var byId = peerings.ToDictionary(p => p.Id.Value);
        foreach (var table in tables)
        {
            foreach (var route in table.Routes.Where(r => r.TargetKind == RouteTargetKind.PeeringConnection))
            {
                var subject = new PeeringSideInfo(scope.Account, scope.Region, table.VpcId);
                byId.TryGetValue(route.TargetId, out var peering);
                if (peering is null || DeadStates.Contains(peering.Status) || route.State == "blackhole")
                {
                    var state = peering?.Status ?? "gone";
                    findings.Add(RouteFinding(FindingTypes.BlackholeRoute, "MEDIUM", subject, route, table,
                        $"Route table {table.Id} in {scope} sends {route.Destination} to peering {route.TargetId}, which is {state}: " +
                        "the traffic is dropped (a blackhole); delete the route"));
                    continue;
                }
                if (peering.Status != PeeringStatus.Active)
                {
                    continue;
                }
                var peer = peering.Requester.VpcId == table.VpcId ? peering.Accepter : peering.Requester;
                var blocks = peerBlocks.TryGetValue(peer.VpcId, out var known) ? known
                    : peer == peering.Accepter ? peering.AccepterBlocks : peering.RequesterBlocks;
                if (blocks.Count > 0 && !blocks.Any(b => b.Contains(route.Destination)))
                {
                    findings.Add(RouteFinding(FindingTypes.RouteTooBroad, "HIGH", subject, route, table,
                        $"Route table {table.Id} in {scope} sends {route.Destination} to peering {peering.Id}, wider than the peer " +
                        $"VPC {peer.VpcId}'s blocks ({string.Join(", ", blocks)}); peering is not transitive"));
                }
            }
        }
    }

    /// <summary>
    /// <c>NaclBlocksPeerTraffic</c>: for each side here of a managed active peering, the ports the automation
    /// opened in its security groups (rules described with the request id, from the peer's blocks) judged
    /// against the ACLs of the subnets whose tables route to the peering — the request in and the reply out.
    /// (The other direction is the peer side's own ingress, judged in its own scope.) Two describes, whatever
    /// the number of peerings, and only when a managed peering is active here.
    /// </summary>
    private static async Task<int> JudgeNaclsAsync(
        IEc2Gateway gateway, AccountRegion scope, IReadOnlyList<PeeringConnection> managed, IReadOnlyDictionary<PeeringConnectionId, RequestId> known,
        HashSet<VpcId> here, IReadOnlyList<RouteTable> tables, IReadOnlyDictionary<VpcId, IReadOnlyList<Cidr>> peerBlocks,
        List<ComplianceFinding> findings, CancellationToken ct)
    {
        var sides = managed.SelectMany(p => new[] { (Peering: p, Side: p.Requester, Peer: p.Accepter), (Peering: p, Side: p.Accepter, Peer: p.Requester) })
            .Where(s => InScope(s.Side, scope) && here.Contains(s.Side.VpcId))
            .ToList();
        if (sides.Count == 0)
        {
            return 0;
        }
        // Everything per VPC is looked up, never scanned per side (linear in the scope's size).
        var groups = (await gateway.DescribeSecurityGroupsAsync([], ct)).ToLookup(g => g.VpcId);
        var acls = (await gateway.DescribeNetworkAclsAsync([], ct)).ToLookup(a => a.VpcId);
        var tablesByVpc = tables.ToLookup(t => t.VpcId);
        foreach (var (peering, side, peer) in sides)
        {
            var blocks = peerBlocks.TryGetValue(peer.VpcId, out var real) ? real
                : peer == peering.Accepter ? peering.AccepterBlocks : peering.RequesterBlocks;
            var description = ManagedMarkers.RuleDescription(known[peering.Id]);
            var flows = groups[side.VpcId]
                .SelectMany(g => g.Ingress)
                .Where(r => r.Description == description && r.SourceCidr is { } source && blocks.Any(b => b.Contains(source)))
                .Select(r => new NaclFlow(r.Protocol, r.FromPort, r.ToPort, r.SourceCidr!))
                .Distinct().ToList();
            if (flows.Count == 0)
            {
                continue;
            }
            var vpcTables = tablesByVpc[side.VpcId].ToList();
            var routed = vpcTables.Where(t => t.Routes.Any(r => r.TargetId == peering.Id.Value)).Select(t => t.Id).ToHashSet();
            var vpcAcls = acls[side.VpcId].ToList();
            var warnings = NaclEvaluator.Judge(side == peering.Requester ? "requester" : "accepter", vpcAcls,
                NaclCheck.SubnetsServedBy(vpcTables, routed, vpcAcls), flows, inbound: true);
            if (warnings.Count > 0)
            {
                findings.Add(Finding(FindingTypes.NaclBlocksPeerTraffic, "MEDIUM", side, peering,
                    $"Network ACLs in VPC {side.VpcId} drop traffic peering {peering.Id} was provisioned for: " +
                    string.Join("; ", warnings.Take(3).Select(w => $"{w.Direction} {w.Protocol} {w.Ports} at {w.NetworkAclId} rule {w.RuleNumber} (subnet {w.SubnetId})")) +
                    (warnings.Count > 3 ? $"; and {warnings.Count - 3} more" : "")));
            }
        }
        return 2;
    }

    /// <summary>The real blocks of peer VPCs in other managed scopes: one describe per peer scope.</summary>
    private async Task<(IReadOnlyDictionary<VpcId, IReadOnlyList<Cidr>> Blocks, int Calls)> PeerBlocksAsync(
        AccountRegion scope, IReadOnlyList<PeeringConnection> active, CancellationToken ct)
    {
        var result = new Dictionary<VpcId, IReadOnlyList<Cidr>>();
        var calls = 0;
        var byScope = active
            .SelectMany(p => new[] { p.Requester, p.Accepter })
            .Where(s => !InScope(s, scope) && policy.ManagedAccounts.Contains(s.Account) && policy.ManagedRegions.Contains(s.Region))
            .GroupBy(s => s.Scope);
        foreach (var group in byScope)
        {
            try
            {
                var gateway = await gateways.ForAsync(group.Key, ct);
                calls++;
                foreach (var vpc in await gateway.DescribeVpcsAsync(group.Select(s => s.VpcId).Distinct().ToList(), ct))
                {
                    result[vpc.Id] = vpc.AllBlocks.ToList();
                }
            }
            catch (PeeringAutomationError)
            {
                // Judge against what the peering reports instead; that scope's own evaluation reports its failure.
            }
        }
        return (result, calls);
    }

    private static bool InScope(PeeringSideInfo side, AccountRegion scope) => side.Account == scope.Account && side.Region == scope.Region;

    private static ComplianceFinding Finding(string type, string severity, PeeringSideInfo side, PeeringConnection peering, string message) => new()
    {
        FindingId = ComplianceFinding.StableId(type, peering.Id.Value, side.VpcId.Value),
        FindingType = type, Severity = severity,
        AccountId = side.Account, Region = side.Region, VpcId = side.VpcId,
        VpcPeeringConnectionId = peering.Id.Value, Message = message,
    };

    private static ComplianceFinding RouteFinding(
        string type, string severity, PeeringSideInfo side, Route route, RouteTable table, string message) => new()
    {
        FindingId = ComplianceFinding.StableId(type, route.TargetId, table.Id.Value, route.Destination.ToString()),
        FindingType = type, Severity = severity,
        AccountId = side.Account, Region = side.Region, VpcId = side.VpcId,
        VpcPeeringConnectionId = route.TargetId, RouteTableId = table.Id.Value, Destination = route.Destination.ToString(),
        Message = message,
    };
}
