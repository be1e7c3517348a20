using System.Text.Json.Serialization;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>What AWS looks like on one side of a requested peering, read in that side's account and region.</summary>
public sealed record SideSnapshot
{
    /// <summary>Null when the VPC does not exist (or is not visible) in the side's account and region.</summary>
    public Vpc? Vpc { get; init; }

    /// <summary>Every peering connection visible in the side's account and region.</summary>
    public IReadOnlyList<PeeringConnection> Peerings { get; init; } = [];

    /// <summary>Every route table of the side's VPC.</summary>
    public IReadOnlyList<RouteTable> RouteTables { get; init; } = [];

    /// <summary>The security groups named in the side's <c>ingressFromPeer</c> that exist.</summary>
    public IReadOnlyList<SecurityGroup> SecurityGroups { get; init; } = [];
}

/// <summary>A route to add: in this table, send this destination to the peering.</summary>
public sealed record PlannedRoute(RouteTableId RouteTableId, Cidr Destination);

/// <summary>Ingress permissions to add to one security group (each described with the request id).</summary>
public sealed record PlannedGroupRules(SecurityGroupId SecurityGroupId, IReadOnlyList<IngressPermission> Permissions);

/// <summary>Everything one side of the peering gets.</summary>
public sealed record SidePlan
{
    public required PeeringSideInfo Side { get; init; }

    public required IReadOnlyList<PlannedRoute> Routes { get; init; }

    public required IReadOnlyList<PlannedGroupRules> GroupRules { get; init; }

    /// <summary>
    /// The subnets the planned route tables serve, as validation read them (so the network-ACL check at
    /// the end needs no second route-table describe). Null in plans recorded before it existed: then
    /// the check reads the route tables itself.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RoutedSubnets? Subnets { get; init; }
}

/// <summary>
/// Compact facts about which subnets a side's chosen route tables serve: the subnets they name, and —
/// when a main table is chosen — the subnets any table of the VPC names (a main table serves every
/// other subnet, which only the network ACLs' associations list).
/// </summary>
public sealed record RoutedSubnets
{
    /// <summary>Subnets explicitly associated with a chosen table.</summary>
    public required IReadOnlyList<string> Associated { get; init; }

    /// <summary>Whether a chosen table is the VPC's main table.</summary>
    public required bool MainTableChosen { get; init; }

    /// <summary>Subnets any table of the VPC names (kept only when the main table is chosen).</summary>
    public required IReadOnlyList<string> NamedByAnyTable { get; init; }

    public static RoutedSubnets Of(IReadOnlyList<RouteTable> tables, IReadOnlyCollection<RouteTableId> chosen)
    {
        var chosenTables = tables.Where(t => chosen.Contains(t.Id)).ToList();
        var main = chosenTables.Any(t => t.IsMain);
        return new RoutedSubnets
        {
            Associated = chosenTables.SelectMany(t => t.SubnetIds).Distinct(StringComparer.Ordinal).ToList(),
            MainTableChosen = main,
            NamedByAnyTable = main ? tables.SelectMany(t => t.SubnetIds).Distinct(StringComparer.Ordinal).ToList() : [],
        };
    }

    /// <summary>The subnets served, given every subnet of the VPC (from its network ACLs' associations).</summary>
    public IReadOnlyList<string> Served(IEnumerable<string> allSubnets)
    {
        if (!MainTableChosen)
        {
            return Associated;
        }
        var named = NamedByAnyTable.ToHashSet(StringComparer.Ordinal);
        return Associated.Concat(allSubnets.Where(s => !named.Contains(s))).Distinct(StringComparer.Ordinal).ToList();
    }
}

/// <summary>The validated plan for a request: what to create on each side.</summary>
public sealed record PeeringPlan
{
    public required SidePlan Requester { get; init; }

    public required SidePlan Accepter { get; init; }

    /// <summary>A live peering this request already created (a re-run): continue with it instead of creating one.</summary>
    public PeeringConnectionId? ExistingPeeringId { get; init; }
}

/// <summary>What the planner made of a request: either a plan or every reason it was refused.</summary>
public sealed record PlanningOutcome
{
    public PeeringPlan? Plan { get; init; }

    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    [JsonIgnore]
    public bool IsAccepted => Plan is not null && Reasons.Count == 0;
}
