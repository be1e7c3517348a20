using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>A route this request added (or found already in place, from an earlier run).</summary>
public sealed record AddedRoute(AccountId AccountId, AwsRegion Region, RouteTableId RouteTableId, Cidr Destination);

/// <summary>
/// One group's rules for this request, all in place after the step: <see cref="RulesInPlace"/> counts the
/// planned rules, whether this run added them or an earlier attempt did (as <see cref="AddedRoute"/> does).
/// </summary>
public sealed record AddedRules(AccountId AccountId, AwsRegion Region, SecurityGroupId SecurityGroupId, int RulesInPlace);

/// <summary>
/// The provisioning steps after validation. Each step is idempotent: it reads what is there
/// first, and treats what this request already made as done, so a retried step or a re-run
/// workflow changes nothing more. Anything in the way that is not ours is a <see cref="PeeringConflict"/>.
/// </summary>
public sealed class PeeringProvisioner(IEc2GatewayFactory gateways)
{
    /// <summary>Tags set on both sides of the peering (AWS keeps tags per account and region).</summary>
    public static IReadOnlyDictionary<string, string> TagsFor(PeeringRequest request)
    {
        var tags = new Dictionary<string, string>(request.Tags)
        {
            [ManagedMarkers.RequestIdTag] = request.RequestId.Value,
            [ManagedMarkers.ManagedTag] = "true",
            [ManagedMarkers.RequesterTag] = $"{request.Requester.AccountId}/{request.Requester.Region}/{request.Requester.VpcId}",
            [ManagedMarkers.AccepterTag] = $"{request.Accepter.AccountId}/{request.Accepter.Region}/{request.Accepter.VpcId}",
            ["Name"] = request.Tags.TryGetValue("Name", out var name) ? name : $"peering-automation {request.RequestId}",
        };
        if (request.ExpiresAt is { } expiresAt)
        {
            tags[ManagedMarkers.ExpiresAtTag] = Ledger.LedgerTime.Of(expiresAt);
        }
        if (request.RequestedBy is { } requestedBy)
        {
            tags[ManagedMarkers.RequestedByTag] = requestedBy;
        }
        return tags;
    }

    /// <summary>Finds the live peering this request created (by its request-id tag, checked in code).</summary>
    public async Task<PeeringConnection?> FindOwnPeeringAsync(PeeringRequest request, CancellationToken ct = default) =>
        (await OwnPeeringsAsync(request, ct)).FirstOrDefault(p => PeeringStatus.IsLive(p.Status));

    private async Task<IReadOnlyList<PeeringConnection>> OwnPeeringsAsync(PeeringRequest request, CancellationToken ct)
    {
        var requester = await gateways.ForAsync(request.Requester.Scope, ct);
        var peerings = await requester.DescribePeeringConnectionsAsync(ct);
        return peerings.Where(p =>
            ManagedMarkers.RequestIdOf(p) == request.RequestId
            && p.Requester.VpcId == request.Requester.VpcId
            && p.Accepter.VpcId == request.Accepter.VpcId).ToList();
    }

    /// <summary>
    /// Creates the peering in the requester's account and region, tagged at birth (so no live
    /// peering of ours is ever untagged), or returns the one an earlier run created: the one the
    /// ledger recorded, else a live one carrying this request id (created, but its answer lost).
    /// </summary>
    public async Task<PeeringConnectionId> CreateAsync(PeeringRequest request, PeeringConnectionId? recorded, CancellationToken ct = default)
    {
        if (recorded is { } known)
        {
            return known;
        }
        var own = await OwnPeeringsAsync(request, ct);
        if (own.FirstOrDefault(p => PeeringStatus.IsLive(p.Status)) is { } existing)
        {
            return existing.Id;
        }
        if (own.FirstOrDefault(p => p.Status == PeeringStatus.Failed) is { } failed)
        {
            // AWS failed the peering this request created (overlapping blocks, e.g. a VPC that gained a
            // block after validation): a retry must not create another one that fails the same way.
            throw new PeeringConflict(
                $"peering {failed.Id} of request {request.RequestId} failed in AWS (overlapping CIDR blocks, or a VPC or account that does not exist); not creating another");
        }
        var requester = await gateways.ForAsync(request.Requester.Scope, ct);
        var created = await requester.CreatePeeringConnectionAsync(request.Requester.VpcId, request.Accepter.Info, TagsFor(request), ct);
        // AWS may hand back an existing peering of the same VPC pair instead of a new one:
        // if it carries another request's id it is not ours to use.
        var owner = ManagedMarkers.RequestIdOf(created);
        if (owner is not null && owner != request.RequestId)
        {
            throw new PeeringConflict(
                $"AWS returned peering {created.Id}, which belongs to request {owner}; VPCs {request.Requester.VpcId} and " +
                $"{request.Accepter.VpcId} are already being peered");
        }
        return created.Id;
    }

    /// <summary>
    /// Accepts a pending peering in the accepter's account and region and returns its status
    /// afterwards. Once accepted, the accepter tags its own side (AWS keeps tags per account and region).
    /// </summary>
    public async Task<string> AcceptAsync(PeeringRequest request, PeeringConnectionId id, CancellationToken ct = default)
    {
        var accepter = await gateways.ForAsync(request.Accepter.Scope, ct);
        var peering = await accepter.DescribePeeringConnectionAsync(id, ct)
            ?? throw new PeeringNotReady($"peering {id} is not visible yet in {request.Accepter.Scope}");
        if (peering.Requester.VpcId != request.Requester.VpcId || peering.Accepter.VpcId != request.Accepter.VpcId
            || peering.Accepter.Account != request.Accepter.AccountId)
        {
            throw new PeeringConflict($"peering {id} does not connect {request.Requester.VpcId} to {request.Accepter.VpcId}");
        }
        var status = peering.Status;
        try
        {
            if (status == PeeringStatus.PendingAcceptance)
            {
                // The accept's answer reports the status after it (AWS: provisioning or active): no second describe.
                status = await accepter.AcceptPeeringConnectionAsync(id, ct) ?? PeeringStatus.Provisioning;
            }
            if (status is PeeringStatus.Provisioning or PeeringStatus.Active && !HasOurTags(peering, request))
            {
                await accepter.CreateTagsAsync(id.Value, TagsFor(request), ct);
            }
        }
        catch (ResourceNotFound e) when (IsPeeringNotFound(e))
        {
            // An inter-region peering is unknown in the accepter's region for a while after create:
            // not yet, not never (the state machine retries PeeringNotReady).
            throw new PeeringNotReady($"peering {id} is not visible yet in {request.Accepter.Scope}: {e.Message}", e) { AwsErrorCode = e.AwsErrorCode };
        }
        return status;
    }

    private static bool HasOurTags(PeeringConnection peering, PeeringRequest request) =>
        ManagedMarkers.IsManaged(peering) && ManagedMarkers.RequestIdOf(peering) == request.RequestId;

    // AWS spells it with a capital ID, moto with Id; both mean "this region does not know the peering".
    private static bool IsPeeringNotFound(ResourceNotFound e) =>
        string.Equals(e.AwsErrorCode, "InvalidVpcPeeringConnectionID.NotFound", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Adds the planned routes on one side; a route already sending the destination to this peering is success.
    /// Each route is created straight away (the validation read the tables a step ago): only when EC2 answers that
    /// the destination is taken (a re-run, or another writer) is the table read to decide whether it is ours.
    /// </summary>
    public async Task<IReadOnlyList<AddedRoute>> ConfigureRoutesAsync(SidePlan side, PeeringConnectionId id, CancellationToken ct = default)
    {
        var scope = side.Side.Scope;
        var gateway = await gateways.ForAsync(scope, ct);
        var added = new List<AddedRoute>();
        foreach (var route in side.Routes)
        {
            try
            {
                await gateway.CreateRouteAsync(route.RouteTableId, route.Destination, id, ct);
            }
            catch (PeeringConflict)
            {
                // RouteAlreadyExists: success only if the route there is ours.
                var table = await DescribeTableAsync(gateway, side.Side.VpcId, route.RouteTableId, ct);
                var present = table.Routes.FirstOrDefault(r => r.Destination == route.Destination);
                if (present is null)
                {
                    throw;
                }
                if (!(present.TargetKind == RouteTargetKind.PeeringConnection && present.TargetId == id.Value))
                {
                    throw new PeeringConflict(
                        $"route table {route.RouteTableId} in {scope} already routes {route.Destination} to {present.TargetId}");
                }
            }
            added.Add(new AddedRoute(side.Side.Account, side.Side.Region, route.RouteTableId, route.Destination));
        }
        return added;
    }

    /// <summary>Adds the planned ingress rules on one side, one call per group; rules already there with our description are success.</summary>
    public async Task<IReadOnlyList<AddedRules>> ConfigureSecurityGroupsAsync(
        SidePlan side, RequestId requestId, CancellationToken ct = default)
    {
        var scope = side.Side.Scope;
        var gateway = await gateways.ForAsync(scope, ct);
        var description = ManagedMarkers.RuleDescription(requestId);
        var added = new List<AddedRules>();
        foreach (var planned in side.GroupRules)
        {
            if (planned.Permissions.Count > 0)
            {
                await AuthorizeAsync(gateway, planned, description, ct);
            }
            added.Add(new AddedRules(side.Side.Account, side.Side.Region, planned.SecurityGroupId, planned.Permissions.Count));
        }
        return added;
    }

    /// <summary>
    /// Authorizes the planned rules in one call (validation read the group a step ago). Only on a duplicate
    /// (a re-run, or another writer) is the group read: rules of ours already there are success, a rule of
    /// someone else's is a conflict, and whatever is still missing is authorized.
    /// </summary>
    private static async Task AuthorizeAsync(IEc2Gateway gateway, PlannedGroupRules planned, string description, CancellationToken ct)
    {
        try
        {
            await gateway.AuthorizeIngressAsync(planned.SecurityGroupId, planned.Permissions, ct);
            return;
        }
        catch (PeeringConflict)
        {
            // InvalidPermission.Duplicate: AWS adds none of the rules when one of them exists.
        }
        var missing = await MissingRulesAsync(gateway, planned, description, ct);
        if (missing.Count == 0)
        {
            return;
        }
        try
        {
            await gateway.AuthorizeIngressAsync(planned.SecurityGroupId, missing, ct);
        }
        catch (PeeringConflict)
        {
            // Lost a race with another writer: fine only if every rule is now there and ours.
            if ((await MissingRulesAsync(gateway, planned, description, ct)).Count > 0)
            {
                throw;
            }
        }
    }

    /// <summary>Allows DNS resolution from the remote VPC on both sides, each by its owner in its region.</summary>
    public async Task ConfigureDnsAsync(PeeringRequest request, PeeringConnectionId id, CancellationToken ct = default)
    {
        var requester = await gateways.ForAsync(request.Requester.Scope, ct);
        await requester.SetDnsResolutionAsync(id, requesterSide: true, allow: true, ct);
        var accepter = await gateways.ForAsync(request.Accepter.Scope, ct);
        await accepter.SetDnsResolutionAsync(id, requesterSide: false, allow: true, ct);
    }

    /// <summary>The VPCs of the peering that have no flow log in ACTIVE status.</summary>
    public async Task<IReadOnlyList<PeeringSideInfo>> UnmonitoredSidesAsync(PeeringRequest request, CancellationToken ct = default)
    {
        var unmonitored = new List<PeeringSideInfo>();
        foreach (var side in new[] { request.Requester, request.Accepter })
        {
            var gateway = await gateways.ForAsync(side.Scope, ct);
            var logs = await gateway.DescribeFlowLogsAsync([side.VpcId.Value], ct);
            if (!logs.Any(l => l.ResourceId == side.VpcId.Value && l.Status == "ACTIVE"))
            {
                unmonitored.Add(side.Info);
            }
        }
        return unmonitored;
    }

    private static async Task<RouteTable> DescribeTableAsync(IEc2Gateway gateway, VpcId vpc, RouteTableId id, CancellationToken ct)
    {
        var tables = await gateway.DescribeRouteTablesAsync([vpc], ct);
        return tables.FirstOrDefault(t => t.Id == id)
            ?? throw new ResourceNotFound($"route table {id} no longer exists in VPC {vpc} ({gateway.Scope})");
    }

    private static async Task<IReadOnlyList<IngressPermission>> MissingRulesAsync(
        IEc2Gateway gateway, PlannedGroupRules planned, string description, CancellationToken ct)
    {
        var groups = await gateway.DescribeSecurityGroupsAsync([planned.SecurityGroupId], ct);
        var group = groups.FirstOrDefault(g => g.Id == planned.SecurityGroupId)
            ?? throw new ResourceNotFound($"security group {planned.SecurityGroupId} no longer exists ({gateway.Scope})");
        var missing = new List<IngressPermission>();
        foreach (var permission in planned.Permissions)
        {
            var present = group.Ingress.FirstOrDefault(p => p.SameRuleAs(permission));
            if (present is null)
            {
                missing.Add(permission);
            }
            else if (present.Description != description)
            {
                throw new PeeringConflict(
                    $"security group {group.Id} already has the rule {permission.Protocol} {permission.FromPort}-{permission.ToPort} " +
                    $"from {permission.SourceCidr} with description '{present.Description}', which is not ours");
            }
        }
        return missing;
    }
}
