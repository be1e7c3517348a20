namespace PeeringAutomation.Local.Deploy;

/// <summary>Everything the local stack creates from the template, with names and ARNs resolved.</summary>
public sealed record StackPlan
{
    public required string TemplatePath { get; init; }
    public required string Region { get; init; }
    public required string AccountId { get; init; }
    /// <summary>Every template parameter's resolved value (lists joined with commas).</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required IReadOnlyList<BusPlan> Buses { get; init; }
    public required IReadOnlyList<TopicPlan> Topics { get; init; }
    public required IReadOnlyList<QueuePlan> Queues { get; init; }
    public required IReadOnlyList<LogGroupPlan> LogGroups { get; init; }
    public required IReadOnlyList<TablePlan> Tables { get; init; }
    /// <summary>Statements of the buses' resource policies; the host enforces them on PutEvents.</summary>
    public required IReadOnlyList<BusPolicyPlan> BusPolicies { get; init; }
    public required IReadOnlyList<FunctionPlan> Functions { get; init; }
    public required IReadOnlyList<StateMachinePlan> StateMachines { get; init; }
    public required IReadOnlyList<RulePlan> Rules { get; init; }
    /// <summary>Resources deliberately not created locally (IAM and the like), with their types.</summary>
    public required IReadOnlyList<string> Ignored { get; init; }
}

/// <summary>An EventBridge bus.</summary>
public sealed record BusPlan(string LogicalId, string Name, string Arn);

/// <summary>An SNS topic and the subscriptions the template asks for.</summary>
public sealed record TopicPlan(
    string LogicalId, string Name, string Arn, IReadOnlyList<SubscriptionPlan> Subscriptions);

/// <summary>An SNS subscription (email ones are not created locally).</summary>
public sealed record SubscriptionPlan(string Protocol, string Endpoint);

/// <summary>An SQS queue.</summary>
public sealed record QueuePlan(
    string LogicalId, string Name, string Arn, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A CloudWatch Logs log group.</summary>
public sealed record LogGroupPlan(string LogicalId, string Name, int? RetentionInDays);

/// <summary>One statement of an event bus's resource policy (resolved JSON).</summary>
public sealed record BusPolicyPlan(string LogicalId, string BusName, string StatementJson);

/// <summary>A DynamoDB table: its CreateTable request (JSON), point-in-time recovery and the TTL attribute.</summary>
public sealed record TablePlan(
    string LogicalId,
    string Name,
    string Arn,
    string CreateTableJson,
    bool PointInTimeRecovery,
    string? TimeToLiveAttribute);

/// <summary>A Lambda function run in-process by the host.</summary>
public sealed record FunctionPlan(
    string LogicalId,
    string Name,
    string Arn,
    string Handler,
    IReadOnlyDictionary<string, string> Environment,
    InvokeConfigPlan InvokeConfig)
{
    /// <summary>The function's Timeout: an invocation still running after it fails as Lambda's would.</summary>
    public int TimeoutSeconds { get; init; } = 3;
}

/// <summary>Asynchronous invocation settings (Lambda's EventInvokeConfig).</summary>
public sealed record InvokeConfigPlan(int MaximumRetryAttempts, string? OnSuccess, string? OnFailure)
{
    /// <summary>Lambda's defaults: two retries, no destinations.</summary>
    public static InvokeConfigPlan Default { get; } = new(2, null, null);
}

/// <summary>A Step Functions state machine with its substituted definition.</summary>
public sealed record StateMachinePlan(
    string LogicalId, string Name, string Arn, string Definition, string Type, string RoleArn);

/// <summary>An EventBridge rule: a pattern on a bus, or a schedule.</summary>
public sealed record RulePlan(
    string Name,
    string Arn,
    string BusName,
    string? Pattern,
    string? Schedule,
    bool Enabled,
    IReadOnlyList<TargetPlan> Targets,
    string DefinedBy)
{
    /// <summary>The SQS queue that stands in for targets moto's EventBridge cannot deliver to.</summary>
    public string BridgeQueueName => ("local-bridge-" + Name) is var q && q.Length > 80 ? q[..80] : q;

    /// <summary>True when at least one target goes through the host (state machine, function, SNS).</summary>
    public bool NeedsBridge => Targets.Any(t => t.Kind != TargetKind.Native);
}

/// <summary>How a rule target is delivered locally.</summary>
public enum TargetKind
{
    /// <summary>moto delivers it itself (SQS, log group, another bus).</summary>
    Native,
    StateMachine,
    Function,
    Topic,
}

/// <summary>
/// One target of a rule. <see cref="Input"/> is a constant JSON input; <see cref="InputPath"/> a JSONPath.
/// </summary>
public sealed record TargetPlan(string Id, string Arn, TargetKind Kind, string? Input, string? InputPath)
{
    /// <summary>The target's RetryPolicy (EventBridge's defaults: 185 attempts over 24 hours).</summary>
    public RetryPolicyPlan RetryPolicy { get; init; } = RetryPolicyPlan.Default;

    /// <summary>
    /// The SQS queue (ARN, one of the stack's queues) an undeliverable event goes to; null drops it, as
    /// EventBridge does.
    /// </summary>
    public string? DeadLetterArn { get; init; }
}

/// <summary>How EventBridge retries a failed delivery to a target.</summary>
public sealed record RetryPolicyPlan(int MaximumRetryAttempts, int MaximumEventAgeInSeconds)
{
    public static RetryPolicyPlan Default { get; } = new(185, 86400);
}
