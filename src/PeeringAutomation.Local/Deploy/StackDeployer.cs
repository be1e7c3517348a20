using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Aws;

namespace PeeringAutomation.Local.Deploy;

/// <summary>The stack as created in moto: the plan plus the bridge queues the host drains.</summary>
public sealed record DeployedStack(StackPlan Plan, IReadOnlyDictionary<string, string> BridgeQueueUrls);

/// <summary>
/// Creates a <see cref="StackPlan"/> in moto: buses, topics, queues, log groups, state machines
/// and rules. Rule targets moto's EventBridge cannot deliver to (state machines, functions, SNS:
/// it raises NotImplementedError inside PutEvents) are replaced by one SQS bridge queue per rule,
/// which <see cref="Bridge.RuleBridge"/> drains. Schedule rules are created for visibility only;
/// <see cref="Bridge.ScheduleRunner"/> fires them.
/// </summary>
public sealed partial class StackDeployer(LocalAwsClient aws, IAmazonSQS sqs, ILogger<StackDeployer> logger)
{
    // moto keeps the whole original event (with "account", which its default input drops) when
    // the input template is exactly this placeholder.
    private const string WholeEventTemplate = "<aws.events.event.json>";

    /// <summary>Creates everything; throws <see cref="LocalAwsError"/> when moto refuses a call.</summary>
    public async Task<DeployedStack> DeployAsync(StackPlan plan, CancellationToken ct)
    {
        foreach (var bus in plan.Buses)
        {
            await aws.EventsAsync("CreateEventBus", new JsonObject { ["Name"] = bus.Name }, ct);
            LogCreated("event bus", bus.Name);
        }
        foreach (var topic in plan.Topics)
        {
            await aws.SnsAsync("CreateTopic", [new("Name", topic.Name)], ct);
            LogCreated("topic", topic.Arn);
            foreach (var subscription in topic.Subscriptions)
            {
                if (subscription.Protocol is "email" or "email-json" or "sms")
                {
                    LogSkippedSubscription(topic.Name, subscription.Protocol, subscription.Endpoint);
                    continue;
                }
                await aws.SnsAsync("Subscribe",
                [
                    new("TopicArn", topic.Arn),
                    new("Protocol", subscription.Protocol),
                    new("Endpoint", subscription.Endpoint),
                ], ct);
            }
        }
        foreach (var queue in plan.Queues)
        {
            var request = new CreateQueueRequest
            {
                QueueName = queue.Name,
                Attributes = queue.Attributes.ToDictionary(),
            };
            await sqs.CreateQueueAsync(request, ct);
            LogCreated("queue", queue.Name);
        }
        foreach (var group in plan.LogGroups)
        {
            await aws.LogsAsync("CreateLogGroup", new JsonObject { ["logGroupName"] = group.Name }, ct);
            if (group.RetentionInDays is { } days)
            {
                var retention = new JsonObject { ["logGroupName"] = group.Name, ["retentionInDays"] = days };
                await aws.LogsAsync("PutRetentionPolicy", retention, ct);
            }
            LogCreated("log group", group.Name);
        }
        foreach (var table in plan.Tables)
        {
            await aws.DynamoDbAsync("CreateTable", (JsonObject)JsonNode.Parse(table.CreateTableJson)!, ct);
            if (table.PointInTimeRecovery)
            {
                await aws.DynamoDbAsync("UpdateContinuousBackups", new JsonObject
                {
                    ["TableName"] = table.Name,
                    ["PointInTimeRecoverySpecification"] = new JsonObject { ["PointInTimeRecoveryEnabled"] = true },
                }, ct);
            }
            if (table.TimeToLiveAttribute is { } ttl)
            {
                await aws.DynamoDbAsync("UpdateTimeToLive", new JsonObject
                {
                    ["TableName"] = table.Name,
                    ["TimeToLiveSpecification"] = new JsonObject { ["Enabled"] = true, ["AttributeName"] = ttl },
                }, ct);
            }
            LogCreated("table", table.Name);
        }
        foreach (var machine in plan.StateMachines)
        {
            await aws.StepFunctionsAsync("CreateStateMachine", new JsonObject
            {
                ["name"] = machine.Name,
                ["definition"] = machine.Definition,
                ["roleArn"] = machine.RoleArn,
                ["type"] = machine.Type,
            }, ct);
            LogCreated("state machine", machine.Arn);
        }
        var bridges = new Dictionary<string, string>();
        foreach (var rule in plan.Rules)
        {
            var putRule = new JsonObject { ["Name"] = rule.Name, ["State"] = rule.Enabled ? "ENABLED" : "DISABLED" };
            if (rule.BusName != "default")
            {
                putRule["EventBusName"] = rule.BusName;
            }
            if (rule.Pattern is not null)
            {
                putRule["EventPattern"] = rule.Pattern;
            }
            else
            {
                putRule["ScheduleExpression"] = rule.Schedule;
            }
            await aws.EventsAsync("PutRule", putRule, ct);
            LogCreated("rule", rule.Arn);
            if (rule.Schedule is not null)
            {
                // The host fires schedules itself; moto's copy of the rule is there for list-rules.
                continue;
            }
            var targets = new JsonArray();
            foreach (var target in rule.Targets.Where(t => t.Kind == TargetKind.Native))
            {
                var native = new JsonObject { ["Id"] = target.Id, ["Arn"] = target.Arn };
                if (target.Input is not null || target.InputPath is not null)
                {
                    throw new Template.TemplateError($"{rule.DefinedBy}: Input/InputPath on an {target.Arn} target "
                        + "is not supported locally (moto ignores them)");
                }
                targets.Add(native);
            }
            if (rule.NeedsBridge)
            {
                var url = (await sqs.CreateQueueAsync(rule.BridgeQueueName, ct)).QueueUrl;
                bridges[rule.Name] = url;
                targets.Add(new JsonObject
                {
                    ["Id"] = "local-bridge",
                    ["Arn"] = $"arn:aws:sqs:{plan.Region}:{plan.AccountId}:{rule.BridgeQueueName}",
                    ["InputTransformer"] = new JsonObject { ["InputTemplate"] = WholeEventTemplate },
                });
            }
            if (targets.Count > 0)
            {
                var putTargets = new JsonObject { ["Rule"] = rule.Name, ["Targets"] = targets };
                if (rule.BusName != "default")
                {
                    putTargets["EventBusName"] = rule.BusName;
                }
                await aws.EventsAsync("PutTargets", putTargets, ct);
            }
        }
        return new DeployedStack(plan, bridges);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Created {Kind} {Name}")]
    private partial void LogCreated(string kind, string name);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Topic {Topic}: {Protocol} subscription to {Endpoint} is not created locally "
            + "(no mail leaves this machine)")]
    private partial void LogSkippedSubscription(string topic, string protocol, string endpoint);
}
