using Amazon.EC2;
using Amazon.EC2.Model;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core.Model;
using FlowLog = PeeringAutomation.Core.Model.FlowLog;

namespace PeeringAutomation.Aws.Tests.Integration;

public sealed class Ec2GatewayFlowLogTests(MotoFixture moto) : MotoTest(moto)
{
    [Fact]
    public async Task Ec2GatewayDescribeFlowLogs_ReturnsLogsOfTheGivenResourcesOnly()
    {
        var raw = await RawEc2Async(Accepter, EuWest1);
        var monitored = await CreateVpcAsync(raw, "10.3.0.0/16");
        var unmonitored = await CreateVpcAsync(raw, "10.4.0.0/16");
        var elsewhere = await CreateVpcAsync(raw, "10.5.0.0/16");
        var logId = await CreateFlowLogAsync(raw, monitored, "monitored");
        await CreateFlowLogAsync(raw, elsewhere, "elsewhere");

        var logs = await (await GatewayAsync(Accepter, EuWest1)).DescribeFlowLogsAsync([monitored.Value, unmonitored.Value]);

        logs.ShouldHaveSingleItem().ShouldBe(new FlowLog(logId, monitored.Value, "ACTIVE", "ALL"));
    }

    [Fact]
    public async Task Ec2GatewayDescribeFlowLogs_ReturnsNothingGivenNoResources()
    {
        var raw = await RawEc2Async(Hub, UsEast1);
        await CreateFlowLogAsync(raw, await CreateVpcAsync(raw, "10.3.0.0/16"), "any");

        (await (await GatewayAsync(Hub, UsEast1)).DescribeFlowLogsAsync([])).ShouldBeEmpty();
    }

    [Fact]
    public async Task Ec2GatewayDescribeFlowLogs_FindsLogsBeyondOneFilterBatch()
    {
        var raw = await RawEc2Async(Hub, UsEast1);
        var vpc = await CreateVpcAsync(raw, "10.3.0.0/16");
        var logId = await CreateFlowLogAsync(raw, vpc, "last");
        // More ids than one call may carry: the monitored VPC is in the last batch.
        var ids = Enumerable.Range(0, Ec2Gateway.FilterValuesPerCall + 5).Select(i => $"vpc-{i:x17}").Append(vpc.Value).ToList();

        var logs = await (await GatewayAsync(Hub, UsEast1)).DescribeFlowLogsAsync(ids);

        logs.ShouldHaveSingleItem().Id.ShouldBe(logId);
    }

    private static async Task<string> CreateFlowLogAsync(IAmazonEC2 raw, VpcId vpc, string group)
    {
        var response = await raw.CreateFlowLogsAsync(new CreateFlowLogsRequest
        {
            ResourceIds = [vpc.Value],
            ResourceType = FlowLogsResourceType.VPC,
            TrafficType = TrafficType.ALL,
            LogGroupName = group,
            DeliverLogsPermissionArn = "arn:aws:iam::123456789012:role/flow-logs",
        });
        return response.FlowLogIds.ShouldHaveSingleItem();
    }
}
