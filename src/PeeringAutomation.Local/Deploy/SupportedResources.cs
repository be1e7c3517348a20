namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// What the local stack understands of a template: top-level sections, resource attributes, the
/// resource types it creates with the properties it uses or knowingly ignores, and the types it
/// ignores altogether. Anything else is an error naming the resource.
/// </summary>
public static class SupportedResources
{
    /// <summary>
    /// Resource types with no effect locally: moto checks no permissions, and alarms or dashboards
    /// have nothing to watch.
    /// </summary>
    public static readonly IReadOnlySet<string> IgnoredTypes = new HashSet<string>
    {
        "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Permission",
        "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy",
        "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard",
        // Counts Step Functions log entries, which the local stack does not deliver (README: not done).
        "AWS::Logs::MetricFilter",
    };

    /// <summary>Per created type: the properties planning uses, and those it accepts and ignores.</summary>
    internal static readonly Dictionary<string, (string[] Used, string[] Ignored)> Properties = new()
    {
        ["AWS::Serverless::Function"] = (
            ["Handler", "FunctionName", "Environment", "Events", "EventInvokeConfig", "Timeout"],
            ["Runtime", "CodeUri", "MemorySize", "Architectures", "Tracing", "Policies", "Role", "Description",
             "Tags", "LoggingConfig", "ReservedConcurrentExecutions", "AutoPublishAlias", "Layers",
             "PermissionsBoundary", "RuntimeManagementConfig", "SnapStart", "EphemeralStorage", "KmsKeyArn",
             "RolePath", "PropagateTags", "ProvisionedConcurrencyConfig"]),
        ["AWS::Serverless::StateMachine"] = (
            ["DefinitionUri", "Definition", "DefinitionSubstitutions", "Name", "Type", "Events", "Role"],
            ["Policies", "Logging", "Tracing", "Tags", "PermissionsBoundary", "RolePath", "PropagateTags"]),
        ["AWS::Events::EventBus"] = (["Name"], ["Tags", "Description"]),
        ["AWS::Events::EventBusPolicy"] = (["EventBusName", "Statement"], ["StatementId"]),
        ["AWS::Events::Rule"] = (
            ["Name", "EventBusName", "EventPattern", "ScheduleExpression", "State", "Targets"],
            ["Description", "RoleArn"]),
        ["AWS::SNS::Topic"] = (["TopicName", "Subscription"], ["Tags", "DisplayName", "KmsMasterKeyId"]),
        ["AWS::SNS::Subscription"] = (["TopicArn", "Protocol", "Endpoint"], []),
        ["AWS::SQS::Queue"] = (
            ["QueueName", "VisibilityTimeout", "MessageRetentionPeriod"],
            ["Tags", "KmsMasterKeyId", "SqsManagedSseEnabled"]),
        ["AWS::Logs::LogGroup"] = (["LogGroupName", "RetentionInDays"], ["Tags", "KmsKeyId"]),
        ["AWS::Lambda::EventInvokeConfig"] = (
            ["FunctionName", "Qualifier", "MaximumRetryAttempts", "DestinationConfig"],
            ["MaximumEventAgeInSeconds"]),
        ["AWS::DynamoDB::Table"] = (
            ["TableName", "KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes",
             "DeletionProtectionEnabled", "PointInTimeRecoverySpecification", "TimeToLiveSpecification"],
            ["SSESpecification", "Tags", "ContributorInsightsSpecification"]),
    };

    /// <summary>The template's top-level sections the local stack reads (or may skip).</summary>
    internal static readonly string[] TopLevelKeys =
    [
        "AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters", "Mappings",
        "Conditions", "Globals", "Resources", "Outputs",
    ];

    /// <summary>A resource's attributes besides its Type the local stack accepts.</summary>
    internal static bool IsSupportedAttribute(string key) =>
        key is "Type" or "Properties" or "Condition" or "DependsOn" or "Metadata" or "DeletionPolicy"
            or "UpdateReplacePolicy";
}
