using System.Text.Json.Nodes;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

[Collection(FixtureStackCollection.Name)]
public sealed class LocalStackWorkflowTests(FixtureStack fixture)
{
    private LocalStack Stack => fixture.Stack;

    [Fact]
    public async Task PutEvent_RunsTheStateMachineThroughInProcessHandlersGivenAMatchingEvent()
    {
        var eventId = await Stack.PutEventAsync("Test Requested", new JsonObject { ["requestId"] = "chg-1" });

        var execution = await Stack.WaitForExecutionAsync("TestFlow", eventId);

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        execution.StatesEntered.ShouldBe(["Echo the request", "Should fail?", "Emit outcome", "Alert"]);
        execution.Input!["detail"]!["requestId"]!.GetValue<string>().ShouldBe("chg-1");
        execution.Input!["account"]!.GetValue<string>().ShouldBe("123456789012");
        var outcome = await Stack.WaitForOutcomeAsync("Test Completed", e => e["detail"]?["requestId"]?.GetValue<string>() == eventId);
        outcome["detail"]!["handledBy"]!.GetValue<string>().ShouldBe("Echo");
    }

    [Fact]
    public async Task PutEvent_FailsTheExecutionWithTheExceptionClassNameGivenAHandlerThrows()
    {
        var eventId = await Stack.PutEventAsync("Test Requested", new JsonObject { ["fail"] = true });

        var execution = await Stack.WaitForExecutionAsync("TestFlow", eventId);

        execution.Status.ShouldBe("FAILED");
        execution.Error.ShouldBe("PeeringConflict");
        execution.TaskErrors.ShouldBe(["PeeringConflict"]);
        JsonNode.Parse(execution.Cause!)!["errorMessage"]!.GetValue<string>().ShouldBe("refused by 123456789012 in us-east-1");
    }
}
