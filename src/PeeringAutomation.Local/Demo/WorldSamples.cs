using System.Text.Json.Nodes;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Local.Demo;

/// <summary>
/// Rewrites a sample event's example ids (accounts, regions, VPCs, groups, route tables) to real
/// ones from the local world, so the printed put-events line works as it is.
/// </summary>
public static class WorldSamples
{
    /// <summary>A copy of <paramref name="detail"/> pointing at VPCs of <paramref name="world"/>, when it has any.</summary>
    public static JsonObject Localize(JsonObject detail, BuiltWorld world)
    {
        var copy = (JsonObject)detail.DeepClone();
        var (requester, accepter) = Pair(world);
        if (requester is null)
        {
            return copy;
        }
        if (copy["requester"] is JsonObject r)
        {
            Point(r, requester);
        }
        if (copy["accepter"] is JsonObject a && accepter is not null)
        {
            Point(a, accepter);
        }
        if (copy.ContainsKey("accountId") && copy.ContainsKey("region"))
        {
            copy["accountId"] = requester.AccountId;
            copy["region"] = requester.Region;
        }
        return copy;
    }

    /// <summary>A requester with a security group and an accepter in another account and region whose blocks do not overlap.</summary>
    public static (BuiltVpc? Requester, BuiltVpc? Accepter) Pair(BuiltWorld world)
    {
        var hub = world.Spec.Accounts.FirstOrDefault()?.Id;
        var candidates = world.Vpcs.Where(v => v.AccountId != hub).OrderByDescending(v => v.SecurityGroups.Count > 0).ThenByDescending(v => v.FlowLogs).ToList();
        foreach (var requester in candidates)
        {
            var accepter = candidates.FirstOrDefault(v => v.AccountId != requester.AccountId && v.Region != requester.Region && !Overlaps(v, requester));
            if (accepter is not null)
            {
                return (requester, accepter);
            }
        }
        return (world.Vpcs.FirstOrDefault(), null);
    }

    internal static bool Overlaps(BuiltVpc a, BuiltVpc b) =>
        a.Ipv4Cidrs.Any(x => b.Ipv4Cidrs.Any(y => Core.Model.Cidr.Parse(x).Overlaps(Core.Model.Cidr.Parse(y))));

    private static void Point(JsonObject side, BuiltVpc vpc)
    {
        side["accountId"] = vpc.AccountId;
        side["region"] = vpc.Region;
        side["vpcId"] = vpc.VpcId;
        if (side["routeTableIds"] is JsonArray)
        {
            side["routeTableIds"] = new JsonArray(vpc.RouteTables.Values.Select(id => (JsonNode)JsonValue.Create(id)).ToArray());
        }
        foreach (var rule in (side["ingressFromPeer"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (vpc.SecurityGroups.Values.FirstOrDefault() is { } group)
            {
                rule["securityGroupId"] = group;
            }
        }
    }
}
