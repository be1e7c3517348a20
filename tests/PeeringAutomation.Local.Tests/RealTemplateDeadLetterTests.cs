using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Local.Tests;

/// <summary>The real template's rules dead-letter what cannot start a workflow: a request is never lost silently.</summary>
[Collection(RealTemplateCollection.Name)]
public sealed class RealTemplateDeadLetterTests(RealTemplateStack fixture)
{
    private LocalCloud Stack => fixture.Stack;

    [Fact]
    public async Task PeeringRequested_LandsInTheProvisioningDeadLetterQueueGivenAnEventTooBigToStartTheWorkflow()
    {
        var hub = Stack.World.Vpc("hub-shared-services");
        var sandbox = Stack.World.Vpc("analytics-sandbox");
        var detail = new JsonObject
        {
            ["requestId"] = "too-big-1",
            ["requester"] = new JsonObject { ["accountId"] = hub.AccountId, ["region"] = hub.Region, ["vpcId"] = hub.VpcId },
            ["accepter"] = new JsonObject { ["accountId"] = sandbox.AccountId, ["region"] = sandbox.Region, ["vpcId"] = sandbox.VpcId },
            ["requestedBy"] = "",
        };
        // The largest detail EventBridge accepts (an entry is 14 bytes + source + detail-type +
        // detail, under 256 KB); the envelope around it is over Step Functions' 256 KB input.
        var room = 262_144 - 1 - 14 - "vpc-peering".Length - "Peering Requested".Length - detail.ToJsonString().Length;
        detail["requestedBy"] = new string('x', room);

        var eventId = await Stack.Driver.PutEventAsync("Peering Requested", detail);

        var sqs = Stack.Clients.HubSqs();
        var url = (await sqs.GetQueueUrlAsync("vpc-peering-provision-peering-dlq")).QueueUrl;
        Message? dead = null;
        for (var i = 0; i < 20 && dead is null; i++)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, WaitTimeSeconds = 1, MaxNumberOfMessages = 10, MessageAttributeNames = ["All"] });
            dead = received.Messages?.FirstOrDefault(m => JsonNode.Parse(m.Body)?["id"]?.GetValue<string>() == eventId);
        }
        dead.ShouldNotBeNull("the request never reached the dead-letter queue");
        JsonNode.Parse(dead.Body)!["detail"]!["requestId"]!.GetValue<string>().ShouldBe("too-big-1");
        dead.MessageAttributes["ERROR_CODE"].StringValue.ShouldBe("ValidationException");
        dead.MessageAttributes["TARGET_ARN"].StringValue.ShouldBe(Stack.StateMachineArn("ProvisionPeeringStateMachine"));
        (await Stack.Driver.ListExecutionsAsync("ProvisionPeeringStateMachine")).ShouldNotContain(e => e["name"]!.GetValue<string>() == eventId);
    }
}
