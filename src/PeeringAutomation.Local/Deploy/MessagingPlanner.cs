using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>Plans SNS topics and subscriptions and SQS queues.</summary>
internal sealed class MessagingPlanner(TemplateScope scope)
{
    private static readonly string[] QueueAttributes = ["VisibilityTimeout", "MessageRetentionPeriod"];

    /// <summary>An <c>AWS::SNS::Topic</c> with its inline <c>Subscription</c> list.</summary>
    public TopicPlan Topic(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        var subscriptions = (scope.Resolve(props["Subscription"], at) as JsonArray ?? [])
            .Select(s => new SubscriptionPlan(scope.Text(s?["Protocol"], at), scope.Text(s?["Endpoint"], at)))
            .ToList();
        return new TopicPlan(id, identity.Attributes["TopicName"], identity.Ref, subscriptions);
    }

    /// <summary>An <c>AWS::SNS::Subscription</c>: the topic it names (ARN or name) and the subscription.</summary>
    public (string TopicArn, SubscriptionPlan Subscription) Subscription(JsonObject props, string at) =>
        (scope.Text(props["TopicArn"], at),
            new SubscriptionPlan(scope.Text(props["Protocol"], at), scope.Text(props["Endpoint"], at)));

    public QueuePlan Queue(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var name in QueueAttributes)
        {
            if (props[name] is { } value)
            {
                attributes[name] = scope.Text(value, at);
            }
        }
        return new QueuePlan(id, identity.Attributes["QueueName"], identity.Attributes["Arn"], attributes);
    }

    /// <summary>
    /// Adds each <c>AWS::SNS::Subscription</c> to its topic; one naming no topic of the template is an error.
    /// </summary>
    public static void Attach(
        List<TopicPlan> topics,
        IEnumerable<(string TopicArn, SubscriptionPlan Subscription)> subscriptions)
    {
        foreach (var (topicArn, subscription) in subscriptions)
        {
            var index = topics.FindIndex(t => t.Arn == topicArn || t.Name == topicArn);
            if (index < 0)
            {
                throw new TemplateError($"AWS::SNS::Subscription: topic {topicArn} is not in the template");
            }
            topics[index] = topics[index] with { Subscriptions = [.. topics[index].Subscriptions, subscription] };
        }
    }
}
