using System.Text.Json.Nodes;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Workflow.Testing;

/// <summary>Builds Peering Requested details from the world's VPC and group names.</summary>
public sealed class RequestBuilder(BuiltWorld world)
{
    public JsonObject Side(string vpcName, params JsonObject[] ingress)
    {
        var vpc = world.Vpc(vpcName);
        var side = new JsonObject { ["accountId"] = vpc.AccountId, ["region"] = vpc.Region, ["vpcId"] = vpc.VpcId };
        if (ingress.Length > 0)
        {
            side["ingressFromPeer"] = new JsonArray(ingress);
        }
        return side;
    }

    public JsonObject Rule(string group, string protocol, int from, int to) => new()
    {
        ["securityGroupId"] = world.IdOf(group), ["protocol"] = protocol, ["fromPort"] = from, ["toPort"] = to,
    };

    public JsonObject Tcp(string group, int port) => Rule(group, "tcp", port, port);

    public JsonObject Request(string requestId, JsonObject requester, JsonObject accepter) => new()
    {
        ["requestId"] = requestId, ["requester"] = requester, ["accepter"] = accepter,
    };

    public JsonObject Request(string requestId, string requester, string accepter) =>
        Request(requestId, Side(requester), Side(accepter));
}
