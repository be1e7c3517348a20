using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using PeeringAutomation.Local.Bridge;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

/// <summary>
/// An event the bus accepts but whose workflow cannot start (its envelope is over Step Functions'
/// 256 KB input) is not lost: it lands in the rule's dead-letter queue, with EventBridge's
/// message attributes.
/// </summary>
[Collection(FixtureStackCollection.Name)]
public sealed class DeadLetterTests(FixtureStack fixture)
{
    private LocalCloud Stack => fixture.Stack;

    [Fact]
    public async Task PutEvent_LandsInTheRulesDeadLetterQueueGivenAnEnvelopeOverTheExecutionInputLimit()
    {
        // Under EventBridge's 256 KB entry (14 + source + detail-type + detail), over Step Functions' input with the envelope.
        // An operator's subscription to the alert topic (on AWS the alarm on the queue's depth alerts there).
        var sqs = Stack.Clients.HubSqs();
        var alertsUrl = (await sqs.CreateQueueAsync("dead-letter-test-alerts")).QueueUrl;
        await Stack.Aws.SnsAsync("Subscribe",
        [
            new("TopicArn", $"arn:aws:sns:{Stack.Region}:{Stack.AccountId}:{Stack.EventBusName}-alerts"),
            new("Protocol", "sqs"),
            new("Endpoint", $"arn:aws:sqs:{Stack.Region}:{Stack.AccountId}:dead-letter-test-alerts"),
        ]);
        var detail = new JsonObject { ["padding"] = "" };
        var room = 262_144 - 1 - 14 - "vpc-peering".Length - "Test Requested".Length - detail.ToJsonString().Length;
        detail["padding"] = new string('p', room);
        var eventId = await Stack.Driver.PutEventAsync("Test Requested", detail);

        var url = (await sqs.GetQueueUrlAsync("peering-automation-test-flow-dlq")).QueueUrl;
        Message? dead = null;
        for (var i = 0; i < 20 && dead is null; i++)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = url, WaitTimeSeconds = 1, MaxNumberOfMessages = 10, MessageAttributeNames = ["All"],
            });
            dead = received.Messages?.FirstOrDefault(m => JsonNode.Parse(m.Body)?["id"]?.GetValue<string>() == eventId);
        }

        dead.ShouldNotBeNull("the event never reached the dead-letter queue");
        var envelope = JsonNode.Parse(dead.Body)!;
        envelope["detail-type"]!.GetValue<string>().ShouldBe("Test Requested");
        envelope["detail"]!["padding"]!.GetValue<string>().Length.ShouldBe(room);
        dead.MessageAttributes["ERROR_CODE"].StringValue.ShouldBe("ValidationException");
        dead.MessageAttributes["ERROR_MESSAGE"].StringValue.ShouldContain($"less than or equal to {TargetDispatcher.MaxExecutionInputBytes}");
        dead.MessageAttributes["RULE_ARN"].StringValue.ShouldEndWith("rule/vpc-peering/TestFlowRequested");
        dead.MessageAttributes["TARGET_ARN"].StringValue.ShouldBe(Stack.StateMachineArn("TestFlow"));
        // Not retriable: dead-lettered at once, not after the policy's attempts.
        dead.MessageAttributes["RETRY_ATTEMPTS"].StringValue.ShouldBe("0");
        dead.MessageAttributes.ShouldNotContainKey("EXHAUSTED_RETRY_CONDITION");
        (await Stack.Driver.ListExecutionsAsync("TestFlow")).ShouldNotContain(e => e["name"]!.GetValue<string>() == eventId);

        // The local stand-in for that alarm: one alert naming the queue and the event.
        JsonNode? alert = null;
        for (var i = 0; i < 10 && alert is null; i++)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = alertsUrl, WaitTimeSeconds = 1, MaxNumberOfMessages = 10 });
            alert = received.Messages?.Select(m => JsonNode.Parse(m.Body)!)
                .FirstOrDefault(n => n["Message"]?.GetValue<string>().Contains(eventId, StringComparison.Ordinal) == true);
        }
        alert.ShouldNotBeNull("no alert named the dead-lettered event");
        alert["Subject"]!.GetValue<string>().ShouldContain("peering-automation-test-flow-dlq");
        JsonNode.Parse(alert["Message"]!.GetValue<string>())!["deadLetterQueue"]!.GetValue<string>().ShouldBe("peering-automation-test-flow-dlq");
    }
}
