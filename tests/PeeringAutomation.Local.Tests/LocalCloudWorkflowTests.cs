using System.Text.Json.Nodes;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

[Collection(FixtureStackCollection.Name)]
public sealed class LocalCloudWorkflowTests(FixtureStack fixture)
{
    private LocalCloud Stack => fixture.Stack;

    [Fact]
    public async Task PutEvent_RunsTheStateMachineThroughInProcessHandlersGivenAMatchingEvent()
    {
        var eventId = await Stack.Driver.PutEventAsync("Test Requested", new JsonObject { ["requestId"] = "chg-1" });

        var execution = await Stack.Driver.WaitForExecutionAsync("TestFlow", eventId);

        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
        execution.StatesEntered.ShouldBe(["Echo the request", "Should fail?", "Emit outcome", "Alert"]);
        execution.Input!["detail"]!["requestId"]!.GetValue<string>().ShouldBe("chg-1");
        execution.Input!["account"]!.GetValue<string>().ShouldBe("123456789012");
        var outcome = await Stack.Driver.WaitForOutcomeAsync("Test Completed", e => e["detail"]?["requestId"]?.GetValue<string>() == eventId);
        outcome["detail"]!["handledBy"]!.GetValue<string>().ShouldBe("Echo");
    }

    [Fact]
    public async Task PutEvent_FailsTheExecutionWithTheExceptionClassNameGivenAHandlerThrows()
    {
        var eventId = await Stack.Driver.PutEventAsync("Test Requested", new JsonObject { ["fail"] = true });

        var execution = await Stack.Driver.WaitForExecutionAsync("TestFlow", eventId);

        execution.Status.ShouldBe("FAILED");
        execution.Error.ShouldBe("PeeringConflict");
        execution.TaskErrors.ShouldBe(["PeeringConflict"]);
        JsonNode.Parse(execution.Cause!)!["errorMessage"]!.GetValue<string>().ShouldBe("refused by 123456789012 in us-east-1");
    }

    [Fact]
    public async Task PutEvent_InvokesTheFunctionAsynchronouslyAndSendsItsResultToTheDestinationGivenARuleOnAFunction()
    {
        var eventId = await Stack.Driver.PutEventAsync("Peering Acceptance Check Requested", new JsonObject());

        // The function's OnSuccess destination is the bus; the fixture also collects source "lambda".
        var result = await Stack.Driver.WaitForOutcomeAsync(
            "Lambda Function Invocation Result - Success",
            e => e["detail"]?["requestPayload"]?["id"]?.GetValue<string>() == eventId);

        result["source"]!.GetValue<string>().ShouldBe("lambda");
        var record = result["detail"]!;
        record["requestContext"]!["condition"]!.GetValue<string>().ShouldBe("Success");
        record["requestContext"]!["functionArn"]!.GetValue<string>().ShouldBe("arn:aws:lambda:us-east-1:123456789012:function:AcceptFunction:$LATEST");
        record["requestPayload"]!["detail-type"]!.GetValue<string>().ShouldBe("Peering Acceptance Check Requested");
        record["responsePayload"]!["handledBy"]!.GetValue<string>().ShouldBe("Echo");
    }

    [Fact]
    public async Task FireScheduleAsync_StartsTheStateMachineWithAScheduledEventGivenAScheduleRule()
    {
        var eventId = await Stack.Driver.FireScheduleAsync("TestFlowNightly");

        var execution = await Stack.Driver.WaitForExecutionAsync("TestFlow", eventId);

        execution.Input!["detail-type"]!.GetValue<string>().ShouldBe("Scheduled Event");
        execution.Input!["source"]!.GetValue<string>().ShouldBe("aws.events");
        execution.Input!["resources"]![0]!.GetValue<string>().ShouldEndWith(":rule/TestFlowNightly");
        execution.Status.ShouldBe("SUCCEEDED", execution.ToString());
    }

    [Fact]
    public async Task InvokeApi_ReturnsLambdasErrorShapeGivenAHandlerThrows()
    {
        using var http = new HttpClient { BaseAddress = Stack.Endpoint };
        var arn = Uri.EscapeDataString("arn:aws:lambda:us-east-1:123456789012:function:FailFunction:$LATEST");

        using var response = await http.PostAsync($"/2015-03-31/functions/{arn}/invocations", new StringContent("{}"));

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        response.Headers.GetValues("X-Amz-Function-Error").ShouldBe(["Unhandled"]);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["errorType"]!.GetValue<string>().ShouldBe("PeeringConflict");
        body["errorMessage"]!.GetValue<string>().ShouldBe("refused by 123456789012 in us-east-1");
        body["stackTrace"].ShouldBeOfType<JsonArray>();
    }

    [Fact]
    public async Task InvokeApi_RunsOneInstanceAndPassesTheTemplateEnvironmentGivenAPlainName()
    {
        using var http = new HttpClient { BaseAddress = Stack.Endpoint };

        var first = JsonNode.Parse(await (await http.PostAsync("/2015-03-31/functions/peering-automation-echo/invocations", new StringContent("{\"a\":1}"))).Content.ReadAsStringAsync())!;
        var second = JsonNode.Parse(await (await http.PostAsync("/2015-03-31/functions/peering-automation-echo/invocations", new StringContent("{\"a\":2}"))).Content.ReadAsStringAsync())!;

        first["echo"]!["a"]!.GetValue<int>().ShouldBe(1);
        second["invocations"]!.GetValue<int>().ShouldBeGreaterThan(first["invocations"]!.GetValue<int>());
        first["endpoint"]!.GetValue<string>().ShouldBe(Stack.Endpoint.ToString().TrimEnd('/'));
        first["managedAccounts"]!.GetValue<string>().ShouldBe("123456789012,222222222222,333333333333");
    }

    [Fact]
    public async Task InvokeApi_Answers404GivenAnUnknownFunction()
    {
        using var http = new HttpClient { BaseAddress = Stack.Endpoint };

        using var response = await http.PostAsync("/2015-03-31/functions/NoSuchFunction/invocations", new StringContent("{}"));

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        response.Headers.GetValues("x-amzn-ErrorType").ShouldBe(["ResourceNotFoundException"]);
    }

    [Fact]
    public async Task InvokeApi_Answers202AndRunsInTheBackgroundGivenEventInvocation()
    {
        using var http = new HttpClient { BaseAddress = Stack.Endpoint };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/2015-03-31/functions/AcceptFunction/invocations") { Content = new StringContent("{\"source\":\"test\"}") };
        request.Headers.Add("X-Amz-Invocation-Type", "Event");

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task InvokeApi_RetriesThenSendsTheFailureRecordToTheOnFailureQueueGivenAnAsyncInvocationThatThrows()
    {
        using var http = new HttpClient { BaseAddress = Stack.Endpoint };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/2015-03-31/functions/FailFunction/invocations") { Content = new StringContent("{\"marker\":\"async-failure\"}") };
        request.Headers.Add("X-Amz-Invocation-Type", "Event");
        using var sqs = Stack.Clients.HubSqs();
        var queueUrl = (await sqs.GetQueueUrlAsync("peering-automation-failures")).QueueUrl;

        (await http.SendAsync(request)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);
        var message = (await sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 10 })).Messages.ShouldHaveSingleItem();

        var record = JsonNode.Parse(message.Body)!;
        record["requestContext"]!["condition"]!.GetValue<string>().ShouldBe("RetriesExhausted");
        record["requestContext"]!["approximateInvokeCount"]!.GetValue<int>().ShouldBe(2);
        record["requestPayload"]!["marker"]!.GetValue<string>().ShouldBe("async-failure");
        record["responseContext"]!["functionError"]!.GetValue<string>().ShouldBe("Unhandled");
        record["responsePayload"]!["errorType"]!.GetValue<string>().ShouldBe("PeeringConflict");
    }

    [Fact]
    public async Task InvokeFunctionAsync_FailsWithSandboxTimedoutGivenAHandlerSlowerThanItsTimeout()
    {
        var result = await Stack.Driver.InvokeFunctionAsync("SlowFunction", new JsonObject());

        result.IsError.ShouldBeTrue();
        var error = result.PayloadJson()!;
        error["errorType"]!.GetValue<string>().ShouldBe("Sandbox.Timedout");
        error["errorMessage"]!.GetValue<string>().ShouldBe("Task timed out after 1.00 seconds");
    }
}
