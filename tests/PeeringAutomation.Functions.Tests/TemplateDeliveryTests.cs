using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// No event is lost silently: every rule and schedule that starts a workflow or function has a
/// retry policy and a dead-letter queue of this template, and EventBridge may write to it.
/// </summary>
public sealed class TemplateDeliveryTests
{
    private readonly TemplateModel template = new();

    public static TheoryData<string> RuleEvents()
    {
        var model = new TemplateModel();
        var data = new TheoryData<string>();
        foreach (var type in new[] { "AWS::Serverless::StateMachine", "AWS::Serverless::Function" })
        {
            foreach (var (name, properties) in model.Resources(type))
            {
                if (properties.Children.TryGetValue(new YamlScalarNode("Events"), out var events))
                {
                    foreach (var e in ((YamlMappingNode)events).Children)
                    {
                        data.Add($"{name}.{((YamlScalarNode)e.Key).Value}");
                    }
                }
            }
        }
        return data;
    }

    private YamlMappingNode EventProperties(string path)
    {
        var (resource, name) = (path.Split('.')[0], path.Split('.')[1]);
        var properties = template.Resources("AWS::Serverless::StateMachine").Concat(template.Resources("AWS::Serverless::Function"))
            .Single(r => r.Name == resource).Properties;
        var e = (YamlMappingNode)((YamlMappingNode)properties["Events"])[name];
        return (YamlMappingNode)e["Properties"];
    }

    [Theory]
    [MemberData(nameof(RuleEvents))]
    public void TemplateRuleTarget_HasRetryPolicyAndDeadLetterQueueGivenEvent(string ruleEvent)
    {
        var properties = EventProperties(ruleEvent);

        var retry = (YamlMappingNode)properties["RetryPolicy"];
        int.Parse(TemplateModel.Scalar(retry, "MaximumRetryAttempts")!).ShouldBeInRange(1, 185);
        int.Parse(TemplateModel.Scalar(retry, "MaximumEventAgeInSeconds")!).ShouldBeInRange(60, 86400);
        var arn = (YamlScalarNode)((YamlMappingNode)properties["DeadLetterConfig"])["Arn"];
        arn.Tag.Value.ShouldBe("!GetAtt");
        var queue = arn.Value!.Split('.')[0];
        template.Resources("AWS::SQS::Queue").Select(q => q.Name).ShouldContain(queue);
        var policies = template.Resources("AWS::SQS::QueuePolicy").Select(p => p.Properties).ToList();
        policies.ShouldContain(p => ((YamlSequenceNode)p["Queues"]).Children.OfType<YamlScalarNode>().Any(q => q.Value == queue),
            $"no AWS::SQS::QueuePolicy lets EventBridge send to {queue}");
    }
}
