using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Local.Deploy;
using PeeringAutomation.Local.EventBus;

namespace PeeringAutomation.Local.Bridge;

/// <summary>
/// What EventBridge does with an event it could not deliver to a target: after the target's
/// RetryPolicy (or at once for an error retrying cannot fix), the event goes to the target's
/// dead-letter queue with <c>RULE_ARN</c>, <c>TARGET_ARN</c>, <c>ERROR_CODE</c>,
/// <c>ERROR_MESSAGE</c>, <c>RETRY_ATTEMPTS</c> (and <c>EXHAUSTED_RETRY_CONDITION</c>) as message
/// attributes; without one it is dropped. Locally <c>ERROR_CODE</c> is the target service's error
/// code (AWS writes its own classification, such as <c>SDK_CLIENT_ERROR</c>): match on the queue,
/// not the code.
/// </summary>
public sealed partial class DeadLetters(IAmazonSQS sqs, LocalAwsClient aws, StackPlan plan, ILogger<DeadLetters> logger)
{
    /// <summary>Retries made locally at most, 1 s apart (AWS: up to the policy's attempts, with backoff, over hours).</summary>
    public const int LocalRetryCap = 2;

    // Errors a retry cannot fix: EventBridge sends the event to the dead-letter queue at once.
    private static readonly HashSet<string> NonRetriable = new(StringComparer.Ordinal)
    {
        "ValidationException", "InvalidExecutionInput", "InvalidArn", "InvalidName", "StateMachineDoesNotExist",
        "StateMachineDeleting", "ResourceNotFoundException", "AccessDeniedException", "NotFound",
    };

    /// <summary>Whether EventBridge would retry a delivery that failed with <paramref name="error"/>.</summary>
    public static bool IsRetriable(Exception error) => error is not LocalAwsError { Code: var code } || !NonRetriable.Contains(code);

    /// <summary>Dead-letters <paramref name="envelope"/> (or drops it when the target has no queue) and raises the alert.</summary>
    public async Task SendAsync(RulePlan rule, TargetPlan target, JsonObject envelope, Exception error, int retries, bool retriable, CancellationToken ct)
    {
        var eventId = envelope["id"]?.GetValue<string>() ?? "?";
        if (target.DeadLetterArn is not { } arn)
        {
            LogDropped(rule.Name, eventId);
            return;
        }
        var (code, message) = error is LocalAwsError aws ? (aws.Code, aws.Message) : (error.GetType().Name, error.Message);
        var parts = arn.Split(':');
        var url = (await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = parts[5], QueueOwnerAWSAccountId = parts[4] }, ct)).QueueUrl;
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["RULE_ARN"] = Text(rule.Arn),
            ["TARGET_ARN"] = Text(target.Arn),
            ["ERROR_CODE"] = Text(code),
            ["ERROR_MESSAGE"] = Text(message),
            ["RETRY_ATTEMPTS"] = new() { DataType = "Number", StringValue = retries.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        if (retriable)
        {
            attributes["EXHAUSTED_RETRY_CONDITION"] = Text("MaximumRetryAttempts");
        }
        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = EventText.Write(envelope), MessageAttributes = attributes }, ct);
        LogDeadLettered(rule.Name, eventId, parts[5], code);
        await AlertAsync(rule, target, envelope, parts[5], arn, code, message, ct);
    }

    /// <summary>
    /// Local stand-in for the CloudWatch alarm on the queue's ApproximateNumberOfMessagesVisible
    /// that alerts on AWS (no CloudWatch here): one message to the alert topic naming the queue.
    /// </summary>
    private async Task AlertAsync(RulePlan rule, TargetPlan target, JsonObject envelope, string queue, string queueArn, string code, string message, CancellationToken ct)
    {
        var bus = plan.Parameters.GetValueOrDefault("EventBusName") ?? "vpc-peering";
        var topic = plan.Topics.FirstOrDefault(t => t.Name == $"{bus}-alerts") ?? (plan.Topics.Count == 1 ? plan.Topics[0] : null);
        if (topic is null)
        {
            return;
        }
        var alert = new JsonObject
        {
            ["deadLetterQueue"] = queue,
            ["deadLetterQueueArn"] = queueArn,
            ["rule"] = rule.Arn,
            ["target"] = target.Arn,
            ["eventId"] = envelope["id"]?.DeepClone(),
            ["detailType"] = envelope["detail-type"]?.DeepClone(),
            ["account"] = envelope["account"]?.DeepClone(),
            ["errorCode"] = code,
            ["errorMessage"] = message,
        };
        await aws.SnsAsync("Publish", [new("TopicArn", topic.Arn), new("Subject", $"VPC peering: an event could not start its workflow ({queue})"), new("Message", alert.ToJsonString())], ct);
    }

    private static MessageAttributeValue Text(string value) => new() { DataType = "String", StringValue = value.Length > 0 ? value : "-" };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule} dropped event {EventId}: no dead-letter queue")]
    private partial void LogDropped(string rule, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule} sent event {EventId} to dead-letter queue {Queue} ({Code})")]
    private partial void LogDeadLettered(string rule, string eventId, string queue, string code);
}
