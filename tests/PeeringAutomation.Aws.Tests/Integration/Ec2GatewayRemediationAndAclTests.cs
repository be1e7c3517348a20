using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core.Model;
using NetworkAclEntry = PeeringAutomation.Core.Model.NetworkAclEntry;

namespace PeeringAutomation.Aws.Tests.Integration;

/// <summary>CreateFlowLogs (remediation) and DescribeNetworkAcls (NACL warnings) against moto.</summary>
public sealed class Ec2GatewayRemediationAndAclTests(MotoFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task Ec2GatewayCreateFlowLogs_CreatesAnAllTrafficLogThenAnswersNullGivenTheSameDestinationAgain()
    {
        var raw = await RawEc2Async(Accepter, EuWest1);
        var vpc = await CreateVpcAsync(raw, "10.3.0.0/16");
        var gateway = await GatewayAsync(Accepter, EuWest1);
        var target = new FlowLogTarget(FlowLogDelivery.CloudWatch, $"/vpc-flow-logs/{vpc}", $"arn:aws:iam::{Accepter}:role/PeeringAutomationFlowLogDelivery");

        var id = await gateway.CreateFlowLogsAsync(vpc, target);
        var again = await gateway.CreateFlowLogsAsync(vpc, target);

        id.ShouldNotBeNull();
        again.ShouldBeNull("FlowLogAlreadyExists is success");
        var logs = await gateway.DescribeFlowLogsAsync([vpc.Value]);
        logs.ShouldHaveSingleItem().TrafficType.ShouldBe("ALL");
    }

    [Fact]
    public async Task Ec2GatewayDescribeNetworkAcls_MapsEntriesAndSubnetAssociationsOfTheVpcOnly()
    {
        var raw = await RawEc2Async(Hub, UsEast1);
        var vpc = await CreateVpcAsync(raw, "10.3.0.0/16");
        var other = await CreateVpcAsync(raw, "10.4.0.0/16");
        var subnet = (await raw.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.Value, CidrBlock = "10.3.1.0/24" })).Subnet.SubnetId;
        var acl = (await raw.CreateNetworkAclAsync(new CreateNetworkAclRequest { VpcId = vpc.Value })).NetworkAcl.NetworkAclId;
        await raw.CreateNetworkAclEntryAsync(new CreateNetworkAclEntryRequest
        {
            NetworkAclId = acl, RuleNumber = 50, Egress = false, Protocol = "6", RuleAction = RuleAction.Deny, CidrBlock = "10.20.0.0/16",
            PortRange = new PortRange { From = 5432, To = 5432 },
        });
        await raw.CreateNetworkAclEntryAsync(new CreateNetworkAclEntryRequest
        {
            NetworkAclId = acl, RuleNumber = 60, Egress = true, Protocol = "-1", RuleAction = RuleAction.Allow, Ipv6CidrBlock = "::/0",
        });
        var association = (await raw.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { Filters = [new Filter("association.subnet-id", [subnet])] }))
            .NetworkAcls.SelectMany(a => a.Associations ?? []).First(a => a.SubnetId == subnet).NetworkAclAssociationId;
        await raw.ReplaceNetworkAclAssociationAsync(new ReplaceNetworkAclAssociationRequest { AssociationId = association, NetworkAclId = acl });

        var acls = await (await GatewayAsync(Hub, UsEast1)).DescribeNetworkAclsAsync([vpc]);

        acls.ShouldAllBe(a => a.VpcId == vpc);
        acls.ShouldNotContain(a => a.VpcId == other);
        var custom = acls.Single(a => a.Id == acl);
        custom.SubnetIds.ShouldBe([subnet]);
        custom.Entries.ShouldContain(new NetworkAclEntry(50, false, "6", false, Cidr.Parse("10.20.0.0/16"), 5432, 5432));
        custom.Entries.ShouldContain(new NetworkAclEntry(60, true, "-1", true, Cidr.Parse("::/0"), null, null));
    }
}
