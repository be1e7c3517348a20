using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

/// <summary>
/// naclWarnings in Peering Provisioned, through the real provisioning workflow and moto's network ACLs.
/// The ACL entries are created explicitly (moto's defaults differ from AWS's; the evaluator assumes AWS's).
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class NaclWarningWorkflowTests(WorldStack world)
{
    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);

    [Fact]
    public async Task ProvisionPeering_WarnsOfADenyBeforeTheAllowAndAMissingReturnPathButNotOfTheDefaultAllowAll()
    {
        var nw2 = Stack.World.Vpc("nw2");
        var ec2 = await world.Ec2For("nw2");
        var subnet = Stack.World.IdOf("nw2-db");
        var acl = (await ec2.CreateNetworkAclAsync(new CreateNetworkAclRequest { VpcId = nw2.VpcId })).NetworkAcl.NetworkAclId;
        async Task Entry(int rule, bool egress, string protocol, RuleAction action, string cidr, int? from = null, int? to = null) =>
            await ec2.CreateNetworkAclEntryAsync(new CreateNetworkAclEntryRequest
            {
                NetworkAclId = acl, RuleNumber = rule, Egress = egress, Protocol = protocol, RuleAction = action, CidrBlock = cidr,
                PortRange = from is null ? null : new PortRange { From = from, To = to },
            });
        await Entry(50, false, "6", RuleAction.Deny, "10.66.0.0/16", 5432, 5432);   // a deny before the allow
        await Entry(100, false, "-1", RuleAction.Allow, "0.0.0.0/0");
        await Entry(100, true, "6", RuleAction.Allow, "0.0.0.0/0", 5432, 5432);     // no ephemeral ports out
        var association = (await ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest
        {
            Filters = [new Filter("association.subnet-id", [subnet])],
        })).NetworkAcls.SelectMany(a => a.Associations ?? []).First(a => a.SubnetId == subnet).NetworkAclAssociationId;
        await ec2.ReplaceNetworkAclAssociationAsync(new ReplaceNetworkAclAssociationRequest { AssociationId = association, NetworkAclId = acl });

        var request = Build.Request("nacl-warn",
            Build.Side("nw1").Also(s => s["routeTableIds"] = new System.Text.Json.Nodes.JsonArray(Stack.World.IdOf("nw1-app-rt"))),
            Build.Side("nw2", Build.Tcp("nw2-pg", 5432)).Also(s => s["routeTableIds"] = new System.Text.Json.Nodes.JsonArray(Stack.World.IdOf("nw2-db-rt"))));
        var execution = await world.RequestAsync(request);

        execution.StatesEntered.ShouldContain("Emit Peering Provisioned", execution.ToString());
        var provisioned = await Stack.Driver.WaitForOutcomeAsync("Peering Provisioned", e => e["detail"]?["requestId"]?.GetValue<string>() == "nacl-warn", WorldStack.Timeout);
        var warnings = provisioned["detail"]!["naclWarnings"]!.AsArray().Select(w => w!).ToList();
        warnings.ShouldAllBe(w => w["side"]!.GetValue<string>() == "accepter" && w["subnetId"]!.GetValue<string>() == subnet
            && w["networkAclId"]!.GetValue<string>() == acl, "the requester's default allow-all ACL raises nothing");
        warnings.Select(w => $"{w["direction"]} {w["ports"]} {w["ruleNumber"]}").ShouldBe(["ingress 5432-5432 50", "egress 1024-65535 32767"], ignoreOrder: true);
    }
}

internal static class JsonObjectExtensions
{
    public static System.Text.Json.Nodes.JsonObject Also(this System.Text.Json.Nodes.JsonObject node, Action<System.Text.Json.Nodes.JsonObject> change)
    {
        change(node);
        return node;
    }
}
