using System.Collections.Concurrent;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Testing;

/// <summary>
/// An in-memory EC2 across accounts and regions, with AWS's visibility rules (a peering is seen
/// from both sides' scopes, its tags only where they were written: <see cref="PeeringConnection.Tags"/>
/// in <see cref="Peerings"/> are the requester side's, <see cref="AccepterTags"/> the accepter's)
/// and its "already exists" errors. Records every call by EC2 action
/// name so tests can compare what the code calls with what the template grants. Describes look ids up in
/// sets, so a world of 10,000 VPCs (the in-process sweep benchmark) costs the fake linear time.
/// </summary>
public sealed class FakeEc2 : IEc2GatewayFactory
{
    private int nextId = 0x100;

    public List<(AccountRegion Scope, Vpc Vpc)> Vpcs { get; } = [];

    public Dictionary<PeeringConnectionId, PeeringConnection> Peerings { get; } = [];

    /// <summary>Tags the accepter's account wrote on its side of a peering (AWS keeps tags per side).</summary>
    public Dictionary<PeeringConnectionId, Dictionary<string, string>> AccepterTags { get; } = [];

    public List<(AccountRegion Scope, RouteTable Table)> RouteTables { get; } = [];

    public List<(AccountRegion Scope, SecurityGroup Group)> Groups { get; } = [];

    public List<(AccountRegion Scope, FlowLog Log)> FlowLogs { get; } = [];

    public List<(AccountRegion Scope, NetworkAcl Acl)> NetworkAcls { get; } = [];

    /// <summary>Where the flow logs CreateFlowLogs made deliver (by flow-log id).</summary>
    public Dictionary<string, string> FlowLogDestinations { get; } = [];

    /// <summary>CreateFlowLogs fails (as for a delivery role that cannot write).</summary>
    public bool FailFlowLogCreation { get; set; }

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>DNS resolution from the remote VPC, per peering and side (true = the requester's side).</summary>
    public Dictionary<(PeeringConnectionId Peering, bool RequesterSide), bool> DnsResolution { get; } = [];

    /// <summary>Answers a call (by EC2 action name, after recording it) with this exception instead of doing it; null does it.</summary>
    public Func<string, Exception?>? Fault { get; set; }

    /// <summary>Accounts whose member role cannot be assumed.</summary>
    public HashSet<AccountId> UnreachableAccounts { get; } = [];

    /// <summary>Every call runs under this lock: the code under test may call from several threads at once (auto-accept scans scopes in parallel).</summary>
    private readonly Lock gate = new();

    public Task<IEc2Gateway> ForAsync(AccountRegion scope, CancellationToken ct = default) =>
        UnreachableAccounts.Contains(scope.Account)
            ? Task.FromException<IEc2Gateway>(new MemberRoleUnavailable($"cannot assume the member role in {scope.Account}"))
            : Task.FromResult<IEc2Gateway>(new Serialized(new Gateway(this, scope), gate));

    /// <summary>
    /// Runs each call of the fake under one lock. The fake's calls complete synchronously, so holding the
    /// lock for the call is holding it for the whole of the work.
    /// </summary>
    private sealed class Serialized(IEc2Gateway inner, Lock gate) : IEc2Gateway
    {
        public AccountRegion Scope => inner.Scope;

        private T Run<T>(Func<T> call)
        {
            lock (gate)
            {
                return call();
            }
        }

        public Task<IReadOnlyList<Vpc>> DescribeVpcsAsync(IReadOnlyCollection<VpcId> ids, CancellationToken ct = default) => Run(() => inner.DescribeVpcsAsync(ids, ct));

        public Task<IReadOnlyList<PeeringConnection>> DescribePeeringConnectionsAsync(CancellationToken ct = default) => Run(() => inner.DescribePeeringConnectionsAsync(ct));

        public Task<PeeringConnection?> DescribePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default) => Run(() => inner.DescribePeeringConnectionAsync(id, ct));

        public Task<PeeringConnection> CreatePeeringConnectionAsync(VpcId requesterVpc, PeeringSideInfo accepter, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default) =>
            Run(() => inner.CreatePeeringConnectionAsync(requesterVpc, accepter, tags, ct));

        public Task<string?> AcceptPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default) => Run(() => inner.AcceptPeeringConnectionAsync(id, ct));

        public Task RejectPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default) => Run(() => inner.RejectPeeringConnectionAsync(id, ct));

        public Task DeletePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default) => Run(() => inner.DeletePeeringConnectionAsync(id, ct));

        public Task SetDnsResolutionAsync(PeeringConnectionId id, bool requesterSide, bool allow, CancellationToken ct = default) => Run(() => inner.SetDnsResolutionAsync(id, requesterSide, allow, ct));

        public Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default) => Run(() => inner.CreateTagsAsync(resourceId, tags, ct));

        public Task<IReadOnlyList<RouteTable>> DescribeRouteTablesAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default) => Run(() => inner.DescribeRouteTablesAsync(vpcIds, ct));

        public Task CreateRouteAsync(RouteTableId table, Cidr destination, PeeringConnectionId target, CancellationToken ct = default) => Run(() => inner.CreateRouteAsync(table, destination, target, ct));

        public Task DeleteRouteAsync(RouteTableId table, Cidr destination, CancellationToken ct = default) => Run(() => inner.DeleteRouteAsync(table, destination, ct));

        public Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyCollection<SecurityGroupId> ids, CancellationToken ct = default) => Run(() => inner.DescribeSecurityGroupsAsync(ids, ct));

        public Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsOfVpcAsync(VpcId vpc, CancellationToken ct = default) => Run(() => inner.DescribeSecurityGroupsOfVpcAsync(vpc, ct));

        public Task AuthorizeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default) => Run(() => inner.AuthorizeIngressAsync(group, permissions, ct));

        public Task RevokeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default) => Run(() => inner.RevokeIngressAsync(group, permissions, ct));

        public Task<IReadOnlyList<FlowLog>> DescribeFlowLogsAsync(IReadOnlyCollection<string> resourceIds, CancellationToken ct = default) => Run(() => inner.DescribeFlowLogsAsync(resourceIds, ct));

        public Task<string?> CreateFlowLogsAsync(VpcId vpc, FlowLogTarget target, CancellationToken ct = default) => Run(() => inner.CreateFlowLogsAsync(vpc, target, ct));

        public Task<IReadOnlyList<NetworkAcl>> DescribeNetworkAclsAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default) => Run(() => inner.DescribeNetworkAclsAsync(vpcIds, ct));
    }

    public string NewId(string prefix) => $"{prefix}-{Interlocked.Increment(ref nextId):x17}";

    private sealed class Gateway(FakeEc2 world, AccountRegion scope) : IEc2Gateway
    {
        public AccountRegion Scope => scope;

        public Task<IReadOnlyList<Vpc>> DescribeVpcsAsync(IReadOnlyCollection<VpcId> ids, CancellationToken ct = default)
        {
            Record("DescribeVpcs");
            // As the port promises (the real gateway describes by filter): unknown ids are absent.
            var here = world.Vpcs.Where(v => v.Scope == scope).Select(v => v.Vpc).ToList();
            var wanted = ids.ToHashSet();
            return Result(ids.Count == 0 ? here : here.Where(v => wanted.Contains(v.Id)).ToList());
        }

        public Task<IReadOnlyList<PeeringConnection>> DescribePeeringConnectionsAsync(CancellationToken ct = default)
        {
            Record("DescribeVpcPeeringConnections");
            return Result(Visible().ToList());
        }

        public Task<PeeringConnection?> DescribePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default)
        {
            Record("DescribeVpcPeeringConnections");
            return Task.FromResult(Visible().FirstOrDefault(p => p.Id == id));
        }

        public Task<PeeringConnection> CreatePeeringConnectionAsync(
            VpcId requesterVpc, PeeringSideInfo accepter, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default)
        {
            Record("CreateVpcPeeringConnection");
            var peering = new PeeringConnection
            {
                Id = PeeringConnectionId.Parse(world.NewId("pcx")),
                Status = PeeringStatus.PendingAcceptance,
                Requester = new PeeringSideInfo(scope.Account, scope.Region, requesterVpc),
                Accepter = accepter,
                Tags = new Dictionary<string, string>(tags),
                RequesterBlocks = world.Vpcs.Where(v => v.Vpc.Id == requesterVpc).SelectMany(v => v.Vpc.AllBlocks).ToList(),
            };
            world.Peerings[peering.Id] = peering;
            return Task.FromResult(peering);
        }

        public Task<string?> AcceptPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default)
        {
            Record("AcceptVpcPeeringConnection");
            var peering = world.Peerings[id];
            if (peering.Accepter.Account != scope.Account || peering.Accepter.Region != scope.Region)
            {
                throw new PeeringConflict("OperationNotPermitted") { AwsErrorCode = "OperationNotPermitted" };
            }
            world.Peerings[id] = peering with { Status = PeeringStatus.Active };
            return Task.FromResult<string?>(PeeringStatus.Active);
        }

        public Task RejectPeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default)
        {
            Record("RejectVpcPeeringConnection");
            world.Peerings[id] = world.Peerings[id] with { Status = PeeringStatus.Rejected };
            return Task.CompletedTask;
        }

        public Task DeletePeeringConnectionAsync(PeeringConnectionId id, CancellationToken ct = default)
        {
            Record("DeleteVpcPeeringConnection");
            if (world.Peerings.TryGetValue(id, out var peering))
            {
                world.Peerings[id] = peering with { Status = PeeringStatus.Deleted };
            }
            return Task.CompletedTask;
        }

        public Task SetDnsResolutionAsync(PeeringConnectionId id, bool requesterSide, bool allow, CancellationToken ct = default)
        {
            Record("ModifyVpcPeeringConnectionOptions");
            world.DnsResolution[(id, requesterSide)] = allow;
            return Task.CompletedTask;
        }

        public Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken ct = default)
        {
            Record("CreateTags");
            if (Identifier.TryParse<PeeringConnectionId>(resourceId, out var id, out _) && world.Peerings.TryGetValue(id.Value, out var peering))
            {
                var requesterSide = peering.Requester.Account == scope.Account && peering.Requester.Region == scope.Region;
                var merged = new Dictionary<string, string>(requesterSide ? peering.Tags : world.AccepterTags.GetValueOrDefault(id.Value, []));
                foreach (var (key, value) in tags)
                {
                    merged[key] = value;
                }
                if (requesterSide)
                {
                    world.Peerings[id.Value] = peering with { Tags = merged };
                }
                else
                {
                    world.AccepterTags[id.Value] = merged;
                }
            }
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<RouteTable>> DescribeRouteTablesAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default)
        {
            Record("DescribeRouteTables");
            var wanted = vpcIds.ToHashSet();
            return Result(world.RouteTables.Where(t => t.Scope == scope && (wanted.Count == 0 || wanted.Contains(t.Table.VpcId)))
                .Select(t => t.Table).ToList());
        }

        public Task CreateRouteAsync(RouteTableId table, Cidr destination, PeeringConnectionId target, CancellationToken ct = default)
        {
            Record("CreateRoute");
            var index = TableIndex(table);
            var current = world.RouteTables[index].Table;
            if (current.Routes.Any(r => r.Destination == destination))
            {
                throw new PeeringConflict("RouteAlreadyExists") { AwsErrorCode = "RouteAlreadyExists" };
            }
            var route = new Route(destination, RouteTargetKind.PeeringConnection, target.Value, "active");
            world.RouteTables[index] = (scope, current with { Routes = [.. current.Routes, route] });
            return Task.CompletedTask;
        }

        public Task DeleteRouteAsync(RouteTableId table, Cidr destination, CancellationToken ct = default)
        {
            Record("DeleteRoute");
            var index = TableIndex(table);
            var current = world.RouteTables[index].Table;
            world.RouteTables[index] = (scope, current with { Routes = current.Routes.Where(r => r.Destination != destination).ToList() });
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(IReadOnlyCollection<SecurityGroupId> ids, CancellationToken ct = default)
        {
            Record("DescribeSecurityGroups");
            var here = world.Groups.Where(g => g.Scope == scope).Select(g => g.Group).ToList();
            var wanted = ids.ToHashSet();
            return Result(ids.Count == 0 ? here : here.Where(g => wanted.Contains(g.Id)).ToList());
        }

        public Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsOfVpcAsync(VpcId vpc, CancellationToken ct = default)
        {
            Record("DescribeSecurityGroups");
            return Result(world.Groups.Where(g => g.Scope == scope && g.Group.VpcId == vpc).Select(g => g.Group).ToList());
        }

        public Task AuthorizeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default)
        {
            Record("AuthorizeSecurityGroupIngress");
            var index = GroupIndex(group);
            var current = world.Groups[index].Group;
            if (permissions.Any(p => current.Ingress.Any(p.SameRuleAs)))
            {
                throw new PeeringConflict("InvalidPermission.Duplicate") { AwsErrorCode = "InvalidPermission.Duplicate" };
            }
            world.Groups[index] = (scope, current with { Ingress = [.. current.Ingress, .. permissions] });
            return Task.CompletedTask;
        }

        public Task RevokeIngressAsync(SecurityGroupId group, IReadOnlyList<IngressPermission> permissions, CancellationToken ct = default)
        {
            Record("RevokeSecurityGroupIngress");
            var index = GroupIndex(group);
            var current = world.Groups[index].Group;
            world.Groups[index] = (scope, current with { Ingress = current.Ingress.Where(p => !permissions.Any(p.SameRuleAs)).ToList() });
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<FlowLog>> DescribeFlowLogsAsync(IReadOnlyCollection<string> resourceIds, CancellationToken ct = default)
        {
            Record("DescribeFlowLogs");
            var wanted = resourceIds.ToHashSet(StringComparer.Ordinal);
            return Result(world.FlowLogs.Where(f => f.Scope == scope && wanted.Contains(f.Log.ResourceId)).Select(f => f.Log).ToList());
        }

        public Task<IReadOnlyList<NetworkAcl>> DescribeNetworkAclsAsync(IReadOnlyCollection<VpcId> vpcIds, CancellationToken ct = default)
        {
            Record("DescribeNetworkAcls");
            var wanted = vpcIds.ToHashSet();
            return Result(world.NetworkAcls.Where(a => a.Scope == scope && (wanted.Count == 0 || wanted.Contains(a.Acl.VpcId))).Select(a => a.Acl).ToList());
        }

        public Task<string?> CreateFlowLogsAsync(VpcId vpc, FlowLogTarget target, CancellationToken ct = default)
        {
            Record("CreateFlowLogs");
            if (world.FailFlowLogCreation)
            {
                throw new PeeringRequestInvalid("LogDestinationPermissionIssue: the delivery role cannot write") { AwsErrorCode = "LogDestinationPermissionIssue" };
            }
            if (world.FlowLogs.Any(f => f.Scope == scope && f.Log.ResourceId == vpc.Value
                    && world.FlowLogDestinations.GetValueOrDefault(f.Log.Id) == target.Destination))
            {
                return Task.FromResult<string?>(null);
            }
            var id = world.NewId("fl");
            world.FlowLogs.Add((scope, new FlowLog(id, vpc.Value, "ACTIVE", "ALL")));
            world.FlowLogDestinations[id] = target.Destination;
            return Task.FromResult<string?>(id);
        }

        private IEnumerable<PeeringConnection> Visible() =>
            world.Peerings.Values
                .Where(p => (p.Requester.Account == scope.Account && p.Requester.Region == scope.Region)
                            || (p.Accepter.Account == scope.Account && p.Accepter.Region == scope.Region))
                .Select(p => p.Requester.Account == scope.Account && p.Requester.Region == scope.Region
                    ? p
                    : p with { Tags = world.AccepterTags.GetValueOrDefault(p.Id, []) });

        private int TableIndex(RouteTableId id) =>
            world.RouteTables.FindIndex(t => t.Scope == scope && t.Table.Id == id) is var i and >= 0
                ? i
                : throw new ResourceNotFound($"InvalidRouteTableID.NotFound: {id}");

        private int GroupIndex(SecurityGroupId id) =>
            world.Groups.FindIndex(g => g.Scope == scope && g.Group.Id == id) is var i and >= 0
                ? i
                : throw new ResourceNotFound($"InvalidGroup.NotFound: {id}");

        private void Record(string action)
        {
            world.Calls.Enqueue("ec2:" + action);
            if (world.Fault?.Invoke(action) is { } fault)
            {
                throw fault;
            }
        }

        private static Task<IReadOnlyList<T>> Result<T>(List<T> items) => Task.FromResult<IReadOnlyList<T>>(items);
    }
}
