using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using DomainFlowLog = PeeringAutomation.Core.Model.FlowLog;
using DomainRouteTable = PeeringAutomation.Core.Model.RouteTable;
using DomainSecurityGroup = PeeringAutomation.Core.Model.SecurityGroup;
using DomainVpc = PeeringAutomation.Core.Model.Vpc;

namespace PeeringAutomation.Aws;

/// <summary>
/// <see cref="IEc2Gateway"/> over one <see cref="IAmazonEC2"/> client that is already scoped to
/// <see cref="Scope"/> (credentials of that account, endpoint/signing region of that region). It
/// never creates clients or reads the environment: <see cref="Ec2GatewayFactory"/> does that.
/// </summary>
/// <remarks>
/// Lookups by id use filters, so ids that do not exist are simply absent from the result (the
/// caller names what is missing); every result is re-checked in code because moto ignores some
/// filters. Deletes of things already gone are no-ops, so teardown can be re-run.
/// </remarks>
public sealed class Ec2Gateway(IAmazonEC2 ec2, AccountRegion scope) : IEc2Gateway
{
    /// <summary>
    /// Values per filter in one Describe call. AWS accepts up to 200 values per filter on the
    /// describe calls used here; larger id lists are split into several calls.
    /// </summary>
    internal const int FilterValuesPerCall = 200;

    public AccountRegion Scope { get; } = scope;

    public async Task<IReadOnlyList<DomainVpc>> DescribeVpcsAsync(IReadOnlyCollection<VpcId> ids, CancellationToken ct = default)
    {
        var vpcs = await DescribeByFilterAsync(
            "DescribeVpcs", "vpc-id", ids.Select(i => i.Value),
            (filters, token, c) => ec2.DescribeVpcsAsync(new DescribeVpcsRequest { Filters = filters, NextToken = token, MaxResults = 1000 }, c),
            r => r.Vpcs, r => r.NextToken, ct);
        return Matching(vpcs, ids.Select(i => i.Value), v => v.VpcId, v => v.VpcId).Select(Ec2Mapper.ToVpc).ToList();
    }

    public async Task<IReadOnlyList<PeeringConnection>> DescribePeeringConnectionsAsync(CancellationToken ct = default)
    {
        var all = await PageAsync(
            "DescribeVpcPeeringConnections",
            (token, c) => ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { NextToken = token, MaxResults = 1000 }, c),
            r => r.VpcPeeringConnections, r => r.NextToken, ct);
        return all.DistinctBy(p => p.VpcPeeringConnectionId).Select(p => Ec2Mapper.ToPeering(p, Scope)).ToList();
    }

    public async Task<PeeringConnection?> DescribePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default)
    {
        List<VpcPeeringConnection> found;
        try
        {
            found = await PageAsync(
                "DescribeVpcPeeringConnections",
                (token, c) => ec2.DescribeVpcPeeringConnectionsAsync(
                    new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [id.Value], NextToken = token }, c),
                r => r.VpcPeeringConnections, r => r.NextToken, ct);
        }
        catch (ResourceNotFound e) when (Ec2ErrorCodes.IsPeeringNotFound(e.AwsErrorCode))
        {
            // AWS raises NotFound for an unknown (or long-deleted) id; moto returns [] instead.
            return null;
        }
        // moto may hand back every peering it has: keep only the one asked for.
        var match = found.FirstOrDefault(p => p.VpcPeeringConnectionId == id.Value);
        return match is null ? null : Ec2Mapper.ToPeering(match, Scope);
    }

    public async Task<PeeringConnection> CreatePeeringConnectionAsync(
        VpcId requesterVpc, PeeringSideInfo accepter, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default)
    {
        var request = new CreateVpcPeeringConnectionRequest
        {
            VpcId = requesterVpc.Value,
            PeerVpcId = accepter.VpcId.Value,
            PeerOwnerId = accepter.Account.Value,
            PeerRegion = accepter.Region.Value,
        };
        if (tags.Count > 0)
        {
            // Tagged at creation so no untagged (unmanaged-looking) peering ever exists.
            request.TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.VpcPeeringConnection, Tags = Ec2Mapper.ToSdkTags(tags) },
            ];
        }
        var response = await CallAsync("CreateVpcPeeringConnection", c => ec2.CreateVpcPeeringConnectionAsync(request, c), ct);
        var created = response.VpcPeeringConnection
            ?? throw new AwsTransientFailure($"CreateVpcPeeringConnection in {Scope} returned no peering connection");
        return Ec2Mapper.ToPeering(created, Scope);
    }

    public async Task<string?> AcceptPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default)
    {
        var response = await CallAsync(
            "AcceptVpcPeeringConnection",
            c => ec2.AcceptVpcPeeringConnectionAsync(new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = id.Value }, c),
            ct);
        // The answer carries the peering as it stands after the accept: no describe needed to learn its status.
        return response.VpcPeeringConnection?.Status?.Code?.Value;
    }

    public Task RejectPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default) =>
        CallAsync(
            "RejectVpcPeeringConnection",
            c => ec2.RejectVpcPeeringConnectionAsync(new RejectVpcPeeringConnectionRequest { VpcPeeringConnectionId = id.Value }, c),
            ct);

    public async Task DeletePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default)
    {
        try
        {
            await CallAsync(
                "DeleteVpcPeeringConnection",
                c => ec2.DeleteVpcPeeringConnectionAsync(new DeleteVpcPeeringConnectionRequest { VpcPeeringConnectionId = id.Value }, c),
                ct);
        }
        catch (ResourceNotFound e) when (Ec2ErrorCodes.IsPeeringNotFound(e.AwsErrorCode))
        {
            // Already gone (or never visible here): nothing left to delete.
        }
        catch (PeeringConflict e) when (e.AwsErrorCode == Ec2ErrorCodes.InvalidStateTransition)
        {
            // AWS refuses to delete a peering that is deleted, rejected, failed or expired. Those
            // are all "gone" for teardown; any other state is a real conflict.
            var current = await DescribePeeringConnectionAsync(id, ct);
            if (current is not null && PeeringStatus.IsLive(current.Status))
            {
                throw;
            }
        }
    }

    public async Task SetDnsResolutionAsync(PeeringConnectionId id, bool requesterSide, bool allow, CancellationToken ct = default)
    {
        var options = new PeeringConnectionOptionsRequest { AllowDnsResolutionFromRemoteVpc = allow };
        var request = new ModifyVpcPeeringConnectionOptionsRequest { VpcPeeringConnectionId = id.Value };
        if (requesterSide)
        {
            request.RequesterPeeringConnectionOptions = options;
        }
        else
        {
            request.AccepterPeeringConnectionOptions = options;
        }
        try
        {
            await CallAsync("ModifyVpcPeeringConnectionOptions", c => ec2.ModifyVpcPeeringConnectionOptionsAsync(request, c), ct);
        }
        catch (PeeringConflict e) when (e.AwsErrorCode == Ec2ErrorCodes.OperationNotPermitted
                                        && e.Message.Contains("not active", StringComparison.OrdinalIgnoreCase))
        {
            // "Peering pcx-… is not active. Peering options can be added only to active peerings."
            // The state machine waits and retries on PeeringNotReady instead of failing.
            throw new PeeringNotReady(e.Message, e.InnerException) { AwsErrorCode = e.AwsErrorCode };
        }
    }

    public async Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default)
    {
        if (tags.Count == 0)
        {
            return; // EC2 rejects a CreateTags without tags.
        }
        await CallAsync(
            "CreateTags",
            c => ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [resourceId], Tags = Ec2Mapper.ToSdkTags(tags) }, c),
            ct);
    }

    public async Task<IReadOnlyList<DomainRouteTable>> DescribeRouteTablesAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default)
    {
        var tables = await DescribeByFilterAsync(
            "DescribeRouteTables", "vpc-id", vpcIds.Select(v => v.Value),
            (filters, token, c) => ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = filters, NextToken = token, MaxResults = 100 }, c),
            r => r.RouteTables, r => r.NextToken, ct);
        return Matching(tables, vpcIds.Select(v => v.Value), t => t.VpcId, t => t.RouteTableId).Select(Ec2Mapper.ToRouteTable).ToList();
    }

    public async Task CreateRouteAsync(RouteTableId table, Cidr destination, PeeringConnectionId target, CancellationToken ct = default)
    {
        var request = new CreateRouteRequest { RouteTableId = table.Value, VpcPeeringConnectionId = target.Value };
        SetDestination(destination, cidr => request.DestinationCidrBlock = cidr, cidr => request.DestinationIpv6CidrBlock = cidr);
        // RouteAlreadyExists surfaces as PeeringConflict with that AwsErrorCode: whether the existing
        // route is ours (same peering) only the caller can tell.
        await CallAsync("CreateRoute", c => ec2.CreateRouteAsync(request, c), ct);
    }

    public async Task DeleteRouteAsync(RouteTableId table, Cidr destination, CancellationToken ct = default)
    {
        var request = new DeleteRouteRequest { RouteTableId = table.Value };
        SetDestination(destination, cidr => request.DestinationCidrBlock = cidr, cidr => request.DestinationIpv6CidrBlock = cidr);
        try
        {
            await CallAsync("DeleteRoute", c => ec2.DeleteRouteAsync(request, c), ct);
        }
        catch (ResourceNotFound e) when (e.AwsErrorCode == Ec2ErrorCodes.RouteNotFound)
        {
            // Already deleted. A missing *table* still fails: that is a wrong id, not a re-run.
        }
    }

    public async Task<IReadOnlyList<DomainSecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyCollection<SecurityGroupId> ids, CancellationToken ct = default)
    {
        var groups = await DescribeByFilterAsync(
            "DescribeSecurityGroups", "group-id", ids.Select(i => i.Value),
            (filters, token, c) => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = filters, NextToken = token, MaxResults = 1000 }, c),
            r => r.SecurityGroups, r => r.NextToken, ct);
        return Matching(groups, ids.Select(i => i.Value), g => g.GroupId, g => g.GroupId)
            // Groups outside a VPC (EC2-Classic, long retired) cannot take part in peering.
            .Where(g => !string.IsNullOrEmpty(g.VpcId))
            .Select(Ec2Mapper.ToSecurityGroup)
            .ToList();
    }

    public async Task<IReadOnlyList<DomainSecurityGroup>> DescribeSecurityGroupsOfVpcAsync(VpcId vpc, CancellationToken ct = default)
    {
        var groups = await DescribeByFilterAsync(
            "DescribeSecurityGroups", "vpc-id", [vpc.Value],
            (filters, token, c) => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = filters, NextToken = token, MaxResults = 1000 }, c),
            r => r.SecurityGroups, r => r.NextToken, ct);
        return groups
            .Where(g => g.VpcId == vpc.Value)
            .DistinctBy(g => g.GroupId)
            .Select(Ec2Mapper.ToSecurityGroup)
            .ToList();
    }

    public async Task AuthorizeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default)
    {
        if (permissions.Count == 0)
        {
            return;
        }
        var request = new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = group.Value,
            IpPermissions = permissions.Select(Ec2Mapper.ToIpPermission).ToList(),
        };
        // InvalidPermission.Duplicate surfaces as PeeringConflict with that AwsErrorCode; EC2 then
        // adds none of the permissions, so the caller describes and sends only the missing ones.
        await CallAsync("AuthorizeSecurityGroupIngress", c => ec2.AuthorizeSecurityGroupIngressAsync(request, c), ct);
    }

    public async Task RevokeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default)
    {
        if (permissions.Count == 0)
        {
            return;
        }
        try
        {
            await RevokeAsync(group, permissions, ct);
        }
        catch (ResourceNotFound e) when (e.AwsErrorCode == Ec2ErrorCodes.PermissionNotFound)
        {
            // EC2 revokes nothing when any one rule is missing. Revoke one by one so the rules that
            // do exist go, and the missing ones (already revoked) are no-ops.
            foreach (var permission in permissions)
            {
                try
                {
                    await RevokeAsync(group, [permission], ct);
                }
                catch (ResourceNotFound single) when (single.AwsErrorCode == Ec2ErrorCodes.PermissionNotFound)
                {
                }
            }
        }
    }

    public async Task<IReadOnlyList<DomainFlowLog>> DescribeFlowLogsAsync(IReadOnlyCollection<string> resourceIds, CancellationToken ct = default)
    {
        if (resourceIds.Count == 0)
        {
            // "Every flow log" is never what a caller of this method means; an empty filter would be.
            return [];
        }
        var logs = await DescribeByFilterAsync(
            "DescribeFlowLogs", "resource-id", resourceIds,
            (filters, token, c) => ec2.DescribeFlowLogsAsync(new DescribeFlowLogsRequest { Filter = filters, NextToken = token, MaxResults = 1000 }, c),
            r => r.FlowLogs, r => r.NextToken, ct);
        var wanted = resourceIds.ToHashSet(StringComparer.Ordinal);
        return logs
            .Where(l => l.ResourceId is not null && wanted.Contains(l.ResourceId))
            .DistinctBy(l => l.FlowLogId)
            .Select(Ec2Mapper.ToFlowLog)
            .ToList();
    }

    public async Task<IReadOnlyList<PeeringAutomation.Core.Model.NetworkAcl>> DescribeNetworkAclsAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default)
    {
        var acls = await DescribeByFilterAsync(
            "DescribeNetworkAcls", "vpc-id", vpcIds.Select(v => v.Value),
            (filters, token, c) => ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { Filters = filters, NextToken = token, MaxResults = 100 }, c),
            r => r.NetworkAcls, r => r.NextToken, ct);
        return Matching(acls, vpcIds.Select(v => v.Value), a => a.VpcId, a => a.NetworkAclId).Select(Ec2Mapper.ToNetworkAcl).ToList();
    }

    public async Task<string?> CreateFlowLogsAsync(VpcId vpc, FlowLogTarget target, CancellationToken ct = default)
    {
        var request = new CreateFlowLogsRequest
        {
            ResourceIds = [vpc.Value],
            ResourceType = FlowLogsResourceType.VPC,
            TrafficType = TrafficType.ALL,
            LogDestinationType = target.Kind == FlowLogDelivery.S3 ? LogDestinationType.S3 : LogDestinationType.CloudWatchLogs,
            // S3 rejects DeliverLogsPermissionArn; CloudWatch Logs requires it.
            LogDestination = target.Kind == FlowLogDelivery.S3 ? target.Destination : null,
            LogGroupName = target.Kind == FlowLogDelivery.S3 ? null : target.Destination,
            DeliverLogsPermissionArn = target.Kind == FlowLogDelivery.S3 ? null : target.DeliverLogsPermissionArn,
        };
        try
        {
            var response = await CallAsync("CreateFlowLogs", c => ec2.CreateFlowLogsAsync(request, c), ct);
            // A partial failure is not an exception: EC2 lists it in Unsuccessful.
            if (response.Unsuccessful is { Count: > 0 } failed)
            {
                var error = failed[0].Error;
                if (error?.Code == Ec2ErrorCodes.FlowLogAlreadyExists)
                {
                    return null;
                }
                throw new PeeringRequestInvalid($"CreateFlowLogs for {vpc} in {Scope}: {error?.Code}: {error?.Message}") { AwsErrorCode = error?.Code };
            }
            return response.FlowLogIds?.FirstOrDefault();
        }
        catch (PeeringAutomationError e) when (e.AwsErrorCode == Ec2ErrorCodes.FlowLogAlreadyExists)
        {
            return null;
        }
    }

    private async Task RevokeAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct)
    {
        var request = new RevokeSecurityGroupIngressRequest
        {
            GroupId = group.Value,
            IpPermissions = permissions.Select(Ec2Mapper.ToIpPermission).ToList(),
        };
        // In a default VPC EC2 answers success and lists what it did not find (UnknownIpPermissions):
        // those were already revoked, which is what we want, so the list is not inspected.
        await CallAsync("RevokeSecurityGroupIngress", c => ec2.RevokeSecurityGroupIngressAsync(request, c), ct);
    }

    private static void SetDestination(Cidr destination, Action<string> ipv4, Action<string> ipv6)
    {
        if (destination.Family == IpFamily.IPv4)
        {
            ipv4(destination.ToString());
        }
        else
        {
            ipv6(destination.ToString());
        }
    }

    /// <summary>
    /// Every item whose <paramref name="filterName"/> is one of <paramref name="values"/> (every item
    /// when there are none), in batches of <see cref="FilterValuesPerCall"/>, following NextToken.
    /// </summary>
    /// <summary>
    /// What a filtered describe returned, kept to the values asked for (none = all) and one per id: EC2
    /// applies the filter server-side, but a page boundary or a filter split over several calls can
    /// repeat an item, and an endpoint that ignores filters (moto) must not widen the answer.
    /// </summary>
    private static IEnumerable<TItem> Matching<TItem>(
        IEnumerable<TItem> items, IEnumerable<string> askedFor, Func<TItem, string?> filteredBy, Func<TItem, string> idOf)
    {
        var wanted = askedFor.ToHashSet(StringComparer.Ordinal);
        return items.Where(i => wanted.Count == 0 || (filteredBy(i) is { } value && wanted.Contains(value))).DistinctBy(idOf);
    }

    private async Task<List<TItem>> DescribeByFilterAsync<TResponse, TItem>(
        string operation,
        string filterName,
        IEnumerable<string> values,
        Func<List<Filter>?, string?, CancellationToken, Task<TResponse>> call,
        Func<TResponse, List<TItem>?> items,
        Func<TResponse, string?> nextToken,
        CancellationToken ct)
    {
        var distinct = values.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return await PageAsync(operation, (token, c) => call(null, token, c), items, nextToken, ct);
        }
        var result = new List<TItem>();
        foreach (var batch in distinct.Chunk(FilterValuesPerCall))
        {
            List<Filter> filters = [new Filter { Name = filterName, Values = [.. batch] }];
            result.AddRange(await PageAsync(operation, (token, c) => call(filters, token, c), items, nextToken, ct));
        }
        return result;
    }

    private async Task<List<TItem>> PageAsync<TResponse, TItem>(
        string operation,
        Func<string?, CancellationToken, Task<TResponse>> call,
        Func<TResponse, List<TItem>?> items,
        Func<TResponse, string?> nextToken,
        CancellationToken ct)
    {
        var result = new List<TItem>();
        string? token = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            var page = await CallAsync(operation, c => call(token, c), ct);
            result.AddRange(items(page) ?? []);
            token = nextToken(page);
            if (!string.IsNullOrEmpty(token) && !seen.Add(token))
            {
                // A token we already followed would loop forever; EC2 never does this on purpose.
                throw new AwsTransientFailure($"{operation} in {Scope} returned the page token '{token}' twice");
            }
        }
        while (!string.IsNullOrEmpty(token));
        return result;
    }

    /// <summary>Runs one EC2 call and translates its failure (the single mapping point for EC2).</summary>
    private async Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call(ct).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            throw AwsErrorMapper.Map(e, operation, Scope.ToString());
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // The SDK's own HTTP timeout, not our caller cancelling.
            throw new AwsTransientFailure($"{operation} in {Scope} timed out", e);
        }
        catch (Exception e) when (AwsErrorMapper.MapTransport(e, operation, Scope.ToString()) is { } mapped)
        {
            throw mapped;
        }
    }
}
