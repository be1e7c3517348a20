using System.Text.Json.Nodes;
using Amazon.SQS;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Local.Deploy;
using PeeringAutomation.Local.Lambda;
using PeeringAutomation.Local.EventBus;

namespace PeeringAutomation.Local.Bridge;

/// <summary>
/// Delivers an event (or a Lambda destination record) to a target the way AWS would: StartExecution
/// for a state machine, an asynchronous invocation for a function, Publish for a topic, PutEvents
/// for a bus, SendMessage for a queue.
/// </summary>
public sealed partial class TargetDispatcher(LocalAwsClient aws, IAmazonSQS sqs, FunctionRegistry functions, AsyncInvoker invoker, StackPlan plan, ILogger<TargetDispatcher> logger)
{
    /// <summary>Delivers <paramref name="input"/> to a rule target. <paramref name="eventId"/> names the execution.</summary>
    public async Task DeliverAsync(TargetPlan target, JsonNode? input, string eventId, CancellationToken ct)
    {
        var json = input is null ? "{}" : EventText.Write(input);
        switch (target.Kind)
        {
            case TargetKind.StateMachine:
                await StartExecutionAsync(target.Arn, json, eventId, ct);
                break;
            case TargetKind.Function:
                var function = functions.Find(target.Arn) ?? throw new InvalidOperationException($"function {target.Arn} is not in the stack");
                invoker.Enqueue(function, System.Text.Encoding.UTF8.GetBytes(json));
                LogInvoked(function.Plan.Name, eventId);
                break;
            case TargetKind.Topic:
                await aws.SnsAsync("Publish", [new("TopicArn", target.Arn), new("Message", json)], ct);
                break;
            default:
                await SendToArnAsync(target.Arn, json, ct);
                break;
        }
    }

    /// <summary>Sends a Lambda destination record (<paramref name="outcome"/>: Success or Failure).</summary>
    public async Task SendToDestinationAsync(string destinationArn, JsonObject record, string outcome, CancellationToken ct)
    {
        var service = destinationArn.Split(':') is { Length: > 2 } parts ? parts[2] : "";
        if (service == "events")
        {
            var bus = destinationArn[(destinationArn.IndexOf("event-bus/", StringComparison.Ordinal) + 10)..];
            var functionArn = record["requestContext"]?["functionArn"]?.GetValue<string>() ?? "";
            var response = await aws.EventsAsync("PutEvents", new JsonObject
            {
                ["Entries"] = new JsonArray(new JsonObject
                {
                    ["Source"] = "lambda",
                    ["DetailType"] = $"Lambda Function Invocation Result - {outcome}",
                    ["Detail"] = EventText.Write(record),
                    ["EventBusName"] = bus,
                    ["Resources"] = new JsonArray(destinationArn, functionArn),
                }),
            }, ct);
            LogDestination(destinationArn, outcome, response["Entries"]?[0]?["EventId"]?.ToString() ?? "?");
        }
        else if (service == "lambda")
        {
            var function = functions.Find(destinationArn) ?? throw new InvalidOperationException($"destination function {destinationArn} is not in the stack");
            invoker.Enqueue(function, System.Text.Encoding.UTF8.GetBytes(EventText.Write(record)));
        }
        else
        {
            await SendToArnAsync(destinationArn, EventText.Write(record), ct);
            LogDestination(destinationArn, outcome, "-");
        }
    }

    /// <summary>Step Functions' limit on an execution's input: 256 KB of UTF-8.</summary>
    public const int MaxExecutionInputBytes = 262_144;

    private async Task StartExecutionAsync(string stateMachineArn, string input, string eventId, CancellationToken ct)
    {
        // moto starts executions of any size; Step Functions refuses the call. An event can be
        // under EventBridge's 256 KB and its envelope over Step Functions': the rule's delivery
        // then fails and the event goes to the rule's dead-letter queue, as on AWS.
        if (System.Text.Encoding.UTF8.GetByteCount(input) > MaxExecutionInputBytes)
        {
            throw new LocalAwsError("ValidationException",
                $"1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to {MaxExecutionInputBytes}");
        }
        // The execution is named after the event id, so a test can find the run its event caused.
        var name = eventId.Length > 80 ? eventId[..80] : eventId;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = await aws.StepFunctionsAsync("StartExecution", new JsonObject
                {
                    ["stateMachineArn"] = stateMachineArn,
                    ["name"] = name,
                    ["input"] = input,
                }, ct);
                LogStarted(started["executionArn"]?.GetValue<string>() ?? name);
                return;
            }
            catch (LocalAwsError e) when (e.Code == "ExecutionAlreadyExists" && attempt < 5)
            {
                // Two rules matched the same event for the same machine: AWS would start two runs.
                name = $"{eventId[..Math.Min(eventId.Length, 70)]}-{attempt + 1}";
            }
        }
    }

    private async Task SendToArnAsync(string arn, string body, CancellationToken ct)
    {
        var parts = arn.Split(':');
        switch (parts[2])
        {
            case "sqs":
                var url = (await sqs.GetQueueUrlAsync(new Amazon.SQS.Model.GetQueueUrlRequest { QueueName = parts[5], QueueOwnerAWSAccountId = parts[4] }, ct)).QueueUrl;
                await sqs.SendMessageAsync(url, body, ct);
                break;
            case "sns":
                await aws.SnsAsync("Publish", [new("TopicArn", arn), new("Message", body)], ct);
                break;
            default:
                throw new InvalidOperationException($"the local stack cannot deliver to {arn}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started {ExecutionArn}")]
    private partial void LogStarted(string executionArn);

    [LoggerMessage(Level = LogLevel.Information, Message = "Invoked {Function} asynchronously for event {EventId}")]
    private partial void LogInvoked(string function, string eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent invocation record to {Destination} ({Outcome}), event {EventId}")]
    private partial void LogDestination(string destination, string outcome, string eventId);

    /// <summary>The plan this dispatcher delivers for (region and account of the hub).</summary>
    public StackPlan Plan => plan;
}
