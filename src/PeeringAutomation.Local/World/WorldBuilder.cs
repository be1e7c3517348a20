using Amazon.EC2;
using Amazon.EC2.Model;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Aws;
using Ec2Tag = Amazon.EC2.Model.Tag;

namespace PeeringAutomation.Local.World;

/// <summary>What was created for one VPC of the world, by name.</summary>
public sealed record BuiltVpc(
    string AccountId,
    string Region,
    string Name,
    string VpcId,
    IReadOnlyList<string> Ipv4Cidrs,
    IReadOnlyList<string> Ipv6Cidrs,
    bool FlowLogs,
    IReadOnlyDictionary<string, string> Subnets,
    IReadOnlyDictionary<string, string> RouteTables,
    string MainRouteTableId,
    IReadOnlyDictionary<string, string> SecurityGroups);

/// <summary>The world as created in moto: every VPC with its ids, and lookups by name.</summary>
public sealed record BuiltWorld(WorldSpec Spec, IReadOnlyList<BuiltVpc> Vpcs)
{
    /// <summary>The VPC named <paramref name="name"/>; throws when there is none.</summary>
    public BuiltVpc Vpc(string name) => Vpcs.FirstOrDefault(v => v.Name == name) ?? throw new KeyNotFoundException($"the world has no VPC named '{name}'");

    /// <summary>The id of any named resource (VPC, subnet, route table, security group).</summary>
    public string IdOf(string name) =>
        Vpcs.FirstOrDefault(v => v.Name == name)?.VpcId
        ?? Vpcs.SelectMany(v => v.Subnets.Concat(v.RouteTables).Concat(v.SecurityGroups)).FirstOrDefault(p => p.Key == name).Value
        ?? throw new KeyNotFoundException($"the world has nothing named '{name}'");
}

/// <summary>
/// Creates a <see cref="WorldSpec"/> in moto, each account through its member role, with Name tags
/// from the world so everything can be found by name. Accounts are built in parallel.
/// </summary>
public sealed partial class WorldBuilder(AccountClients clients, ILogger<WorldBuilder> logger)
{
    /// <summary>
    /// VPCs built at once. Each VPC's calls depend on each other, VPCs on nothing: a few at a time
    /// keep the host and moto busy together (a world of 100 VPCs built one account at a time kept
    /// every workflow test waiting).
    /// </summary>
    public const int ConcurrentVpcs = 6;

    public async Task<BuiltWorld> BuildAsync(WorldSpec world, CancellationToken ct)
    {
        var specs = world.Accounts.SelectMany(account => account.Vpcs.Select(vpc => (Account: account, Vpc: vpc))).ToList();
        var built = new BuiltVpc[specs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, specs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentVpcs, CancellationToken = ct },
            async (i, token) => built[i] = await BuildVpcAsync(specs[i].Account, specs[i].Vpc, token));
        return new BuiltWorld(world, built);
    }

    private async Task<BuiltVpc> BuildVpcAsync(AccountSpec account, VpcSpec spec, CancellationToken ct)
    {
        var ec2 = await clients.Ec2Async(account.Id, spec.Region);
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest
        {
            CidrBlock = spec.Cidr,
            AmazonProvidedIpv6CidrBlock = spec.Ipv6,
            TagSpecifications = [Tags(ResourceType.Vpc, spec.Name, spec.Tags)],
        }, ct)).Vpc;
        foreach (var secondary in spec.SecondaryCidrs)
        {
            await ec2.AssociateVpcCidrBlockAsync(new AssociateVpcCidrBlockRequest { VpcId = vpc.VpcId, CidrBlock = secondary }, ct);
        }
        string? igw = null;
        if (spec.InternetGateway)
        {
            igw = (await ec2.CreateInternetGatewayAsync(new CreateInternetGatewayRequest { TagSpecifications = [Tags(ResourceType.InternetGateway, spec.Name + "-igw")] }, ct)).InternetGateway.InternetGatewayId;
            await ec2.AttachInternetGatewayAsync(new AttachInternetGatewayRequest { InternetGatewayId = igw, VpcId = vpc.VpcId }, ct);
        }
        var main = (await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest
        {
            Filters = [new Filter("vpc-id", [vpc.VpcId]), new Filter("association.main", ["true"])],
        }, ct)).RouteTables.Single().RouteTableId;
        var tables = new Dictionary<string, string>();
        foreach (var table in spec.RouteTables)
        {
            var id = table.Main ? main : (await ec2.CreateRouteTableAsync(new CreateRouteTableRequest
            {
                VpcId = vpc.VpcId,
                TagSpecifications = [Tags(ResourceType.RouteTable, table.Name)],
            }, ct)).RouteTable.RouteTableId;
            if (table.Main)
            {
                await ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [id], Tags = [new Ec2Tag("Name", table.Name)] }, ct);
            }
            tables[table.Name] = id;
            foreach (var route in table.Routes)
            {
                var request = new CreateRouteRequest { RouteTableId = id, GatewayId = igw };
                if (route.Destination.Contains(':'))
                {
                    request.DestinationIpv6CidrBlock = route.Destination;
                }
                else
                {
                    request.DestinationCidrBlock = route.Destination;
                }
                await ec2.CreateRouteAsync(request, ct);
            }
        }
        var subnets = new Dictionary<string, string>();
        foreach (var subnet in spec.Subnets)
        {
            var id = (await ec2.CreateSubnetAsync(new CreateSubnetRequest
            {
                VpcId = vpc.VpcId,
                CidrBlock = subnet.Cidr,
                AvailabilityZone = subnet.AvailabilityZone ?? spec.Region + "a",
                TagSpecifications = [Tags(ResourceType.Subnet, subnet.Name)],
            }, ct)).Subnet.SubnetId;
            subnets[subnet.Name] = id;
            if (subnet.RouteTable is { } table && tables[table] != main)
            {
                await ec2.AssociateRouteTableAsync(new AssociateRouteTableRequest { RouteTableId = tables[table], SubnetId = id }, ct);
            }
        }
        var groups = new Dictionary<string, string>();
        foreach (var group in spec.SecurityGroups)
        {
            var id = (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
            {
                VpcId = vpc.VpcId,
                GroupName = group.Name,
                Description = group.Description,
                TagSpecifications = [Tags(ResourceType.SecurityGroup, group.Name)],
            }, ct)).GroupId;
            groups[group.Name] = id;
            if (group.Ingress.Count > 0)
            {
                await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
                {
                    GroupId = id,
                    IpPermissions = group.Ingress.Select(Permission).ToList(),
                }, ct);
            }
        }
        if (spec.FlowLogs)
        {
            await ec2.CreateFlowLogsAsync(new CreateFlowLogsRequest
            {
                ResourceIds = [vpc.VpcId],
                ResourceType = FlowLogsResourceType.VPC,
                TrafficType = TrafficType.ALL,
                LogDestinationType = LogDestinationType.CloudWatchLogs,
                LogGroupName = $"/vpc-flow-logs/{spec.Name}",
                DeliverLogsPermissionArn = $"arn:aws:iam::{account.Id}:role/vpc-flow-logs",
            }, ct);
        }
        var described = (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = [vpc.VpcId] }, ct)).Vpcs.Single();
        LogBuilt(spec.Name, vpc.VpcId, account.Id, spec.Region);
        return new BuiltVpc(
            account.Id, spec.Region, spec.Name, vpc.VpcId,
            (described.CidrBlockAssociationSet ?? []).Select(c => c.CidrBlock).ToList(),
            (described.Ipv6CidrBlockAssociationSet ?? []).Select(c => c.Ipv6CidrBlock).ToList(),
            spec.FlowLogs, subnets, tables, main, groups);
    }

    private static IpPermission Permission(IngressSpec rule)
    {
        var permission = new IpPermission { IpProtocol = rule.Protocol, FromPort = rule.FromPort, ToPort = rule.ToPort };
        if (rule.Cidr.Contains(':'))
        {
            permission.Ipv6Ranges = [new Ipv6Range { CidrIpv6 = rule.Cidr, Description = rule.Description }];
        }
        else
        {
            permission.Ipv4Ranges = [new IpRange { CidrIp = rule.Cidr, Description = rule.Description }];
        }
        return permission;
    }

    private static TagSpecification Tags(ResourceType type, string name, IReadOnlyDictionary<string, string>? extra = null) =>
        new() { ResourceType = type, Tags = [new Ec2Tag("Name", name), new Ec2Tag("world", "local"), .. (extra ?? new Dictionary<string, string>()).Select(t => new Ec2Tag(t.Key, t.Value))] };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Built VPC {Name} {VpcId} in {AccountId} {Region}")]
    private partial void LogBuilt(string name, string vpcId, string accountId, string region);
}
