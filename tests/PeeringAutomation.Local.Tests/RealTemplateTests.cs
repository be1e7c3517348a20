using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Demo;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Local.Tests;

/// <summary>The repository's template.yaml and default world in one local stack.</summary>
public sealed class RealTemplateStack : IAsyncLifetime
{
    public LocalCloud Stack { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Stack = await LocalCloud.StartAsync(new LocalCloudOptions { WorldFile = LocalCloudOptions.DefaultWorldFile, Behaviour = Demo.DemoRunner.Behaviour });

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTemplateCollection : ICollectionFixture<RealTemplateStack>
{
    public const string Name = "real template";
}

/// <summary>Workflow tests through the real template, state machines and handlers (the harness the lead builds on).</summary>
[Collection(RealTemplateCollection.Name)]
public sealed class RealTemplateTests(RealTemplateStack fixture)
{
    private LocalCloud Stack => fixture.Stack;

    [Fact]
    public async Task PeeringRequested_ProvisionsAnActivePeeringWithRoutesGivenTwoWorldVpcs()
    {
        var hub = Stack.World.Vpc("hub-shared-services");
        var sandbox = Stack.World.Vpc("analytics-sandbox");
        var detail = new JsonObject
        {
            ["requestId"] = "test-hub-sandbox",
            ["requester"] = new JsonObject { ["accountId"] = hub.AccountId, ["region"] = hub.Region, ["vpcId"] = hub.VpcId },
            ["accepter"] = new JsonObject { ["accountId"] = sandbox.AccountId, ["region"] = sandbox.Region, ["vpcId"] = sandbox.VpcId },
        };

        var eventId = await Stack.Driver.PutEventAsync("Peering Requested", detail);
        var execution = await Stack.Driver.WaitForExecutionAsync("ProvisionPeeringStateMachine", eventId);
        var outcome = await Stack.Driver.WaitForOutcomeAsync("Peering Provisioned", e => e["detail"]?["requestId"]?.GetValue<string>() == "test-hub-sandbox");

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        execution.StatesEntered.ShouldContain("Configure routes");
        var peeringId = outcome["detail"]!["vpcPeeringConnectionId"]!.GetValue<string>();
        var ec2 = await Stack.Driver.Ec2Async(hub.AccountId, hub.Region);
        var peering = (await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest())).VpcPeeringConnections
            .Single(p => p.VpcPeeringConnectionId == peeringId);
        peering.Status.Code.Value.ShouldBe("active");
        var routes = (await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [new Filter("vpc-id", [hub.VpcId])] })).RouteTables
            .SelectMany(t => t.Routes).Where(r => r.VpcPeeringConnectionId == peeringId).ToList();
        routes.ShouldContain(r => r.DestinationCidrBlock == "10.30.0.0/16");
    }

    [Fact]
    public async Task DemoStory_PassesEveryStepWithAWorkflowGivenTheDefaultWorld()
    {
        var output = new RecordingOutput();

        var results = await new DemoPlayer(Stack, output).PlayAsync(DemoStories.Default);

        results.Where(r => r.Status == StepStatus.Failed).Select(r => $"{r.Step.Id}: {r.Reason}").ShouldBeEmpty();
        results.Count(r => r.Status == StepStatus.Passed).ShouldBeGreaterThanOrEqualTo(5);
        // Skipped only where the template has no workflow for the event, never faked.
        results.Where(r => r.Status == StepStatus.Skipped).ShouldAllBe(r => r.Reason!.Contains("no rule that routes"));
        output.StatesEntered.ShouldContain("Create peering");
    }

    private sealed class RecordingOutput : IDemoOutput
    {
        public List<string> StatesEntered { get; } = [];

        public void StepStarted(int index, DemoStep step, string target)
        {
        }

        public void WorkflowEvent(HistoryEvent e)
        {
            if (e.StateName is { } name && e.Type.EndsWith("StateEntered", StringComparison.Ordinal))
            {
                StatesEntered.Add(name);
            }
        }

        public void StepFinished(StepResult result)
        {
        }
    }
}
