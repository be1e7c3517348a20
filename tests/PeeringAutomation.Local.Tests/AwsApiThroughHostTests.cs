using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

/// <summary>The endpoint answers every AWS API a user or the functions need (forwarded to moto).</summary>
[Collection(FixtureStackCollection.Name)]
public sealed class AwsApiThroughHostTests(FixtureStack fixture)
{
    private LocalCloud Stack => fixture.Stack;

    [Fact]
    public async Task Endpoint_DescribesAMemberAccountsVpcsGivenAssumedRoleCredentials()
    {
        using var sts = new AmazonSecurityTokenServiceClient(new BasicAWSCredentials("testing", "testing"),
            new AmazonSecurityTokenServiceConfig { ServiceURL = Stack.Endpoint.ToString(), AuthenticationRegion = "us-east-1" });
        var assumed = (await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = $"arn:aws:iam::{FixtureStack.Member}:role/PeeringAutomationMember",
            RoleSessionName = "test",
        })).Credentials;
        using var ec2 = new AmazonEC2Client(new SessionAWSCredentials(assumed.AccessKeyId, assumed.SecretAccessKey, assumed.SessionToken),
            new AmazonEC2Config { ServiceURL = Stack.Endpoint.ToString(), AuthenticationRegion = "us-east-1" });

        var vpcs = (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest { Filters = [new Filter("tag:Name", ["app-vpc"])] })).Vpcs;

        vpcs.Count.ShouldBe(1);
        vpcs[0].OwnerId.ShouldBe(FixtureStack.Member);
        vpcs[0].VpcId.ShouldBe(Stack.World.Vpc("app-vpc").VpcId);
        vpcs[0].CidrBlockAssociationSet.Select(c => c.CidrBlock).ShouldBe(["10.10.0.0/16", "10.11.0.0/16"], ignoreOrder: true);
        vpcs[0].Ipv6CidrBlockAssociationSet.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task World_CreatesSubnetsRouteTablesGroupsAndFlowLogsGivenTheWorldFile()
    {
        var ec2 = await Stack.Driver.Ec2Async(FixtureStack.Member);
        var app = Stack.World.Vpc("app-vpc");

        var tables = (await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [new Filter("vpc-id", [app.VpcId])] })).RouteTables;
        var flowLogs = (await ec2.DescribeFlowLogsAsync(new DescribeFlowLogsRequest())).FlowLogs;
        var groups = (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [app.SecurityGroups["app-web"]] })).SecurityGroups;

        tables.Count.ShouldBe(2);
        var publicTable = tables.Single(t => t.RouteTableId == app.RouteTables["app-public"]);
        publicTable.Routes.ShouldContain(r => r.DestinationCidrBlock == "0.0.0.0/0" && r.GatewayId.StartsWith("igw-"));
        publicTable.Associations.ShouldContain(a => a.SubnetId == app.Subnets["app-a"]);
        tables.Single(t => t.RouteTableId == app.MainRouteTableId).Tags.ShouldContain(t => t.Key == "Name" && t.Value == "app-main");
        flowLogs.ShouldContain(f => f.ResourceId == app.VpcId);
        groups.Single().IpPermissions.ShouldContain(p => p.FromPort == 443 && p.Ipv4Ranges.Any(r => r.CidrIp == "10.0.0.0/8"));
        var data = Stack.World.Vpc("data-vpc");
        var dataEc2 = await Stack.Driver.Ec2Async(FixtureStack.OtherMember, "eu-west-1");
        (await dataEc2.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = [data.VpcId] })).Vpcs.Single().CidrBlock.ShouldBe("10.20.0.0/16");
    }

    [Fact]
    public async Task Endpoint_ListsStateMachinesAndExecutionsGivenTheDeployedTemplate()
    {
        var eventId = await Stack.Driver.PutEventAsync("Test Requested", new JsonObject());
        await Stack.Driver.WaitForExecutionAsync("TestFlow", eventId);

        var machines = await Stack.Aws.StepFunctionsAsync("ListStateMachines", []);
        var executions = await Stack.Driver.ListExecutionsAsync("TestFlow");
        var rules = await Stack.Aws.EventsAsync("ListRules", new JsonObject { ["EventBusName"] = "vpc-peering" });

        machines["stateMachines"]!.AsArray().Select(m => m!["name"]!.GetValue<string>()).ShouldContain("peering-automation-test-flow");
        executions.ShouldContain(e => e["name"]!.GetValue<string>() == eventId);
        rules["Rules"]!.AsArray().Select(r => r!["Name"]!.GetValue<string>()).ShouldContain("TestFlowRequested");
    }

    [Fact]
    public async Task Endpoint_StartsUnnamedExecutionsRepeatedlyGivenMotosNoneNameQuirk()
    {
        var arn = Stack.StateMachineArn("TestFlow");

        var first = await Stack.Aws.StepFunctionsAsync("StartExecution", new JsonObject { ["stateMachineArn"] = arn, ["input"] = "{}" });
        var second = await Stack.Aws.StepFunctionsAsync("StartExecution", new JsonObject { ["stateMachineArn"] = arn, ["input"] = "{}" });

        first["executionArn"]!.GetValue<string>().ShouldNotEndWith(":None");
        second["executionArn"]!.GetValue<string>().ShouldNotBe(first["executionArn"]!.GetValue<string>());
    }

    [Fact]
    public async Task Endpoint_ReturnsQueueUrlsOnTheHostGivenSqsCreateQueue()
    {
        using var sqs = Stack.Clients.HubSqs();

        var url = (await sqs.CreateQueueAsync("host-url-check")).QueueUrl;

        new Uri(url).Port.ShouldBe(Stack.Port);
    }
}
