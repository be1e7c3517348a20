using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PeeringAutomation.Core.Compliance;
using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Functions.Tests;

/// <summary>The alarms page the alert topic on the right metric and threshold; the dashboard shows what README "Operations" says.</summary>
public sealed partial class TemplateOperationsTests
{
    private static readonly string[] Workflows = ["ProvisionPeering", "TeardownPeering", "AcceptPeerings", "CheckCompliance", "ForwardToMembers", "ChangePeering"];

    private readonly TemplateModel template = new();

    private YamlMappingNode Alarm(string name) =>
        template.Resources("AWS::CloudWatch::Alarm").SingleOrDefault(a => a.Name == name).Properties
        ?? throw new ShouldAssertException($"no alarm {name}");

    private static void ShouldPageTheAlertTopic(YamlMappingNode alarm)
    {
        var actions = ((YamlSequenceNode)alarm["AlarmActions"]).Children.Cast<YamlScalarNode>().ToList();
        actions.ShouldHaveSingleItem().Value.ShouldBe("AlertTopic");
        actions[0].Tag.Value.ShouldBe("!Ref");
    }

    private static void ShouldFireAtOrAbove(YamlMappingNode alarm, string threshold, string comparison, string missing)
    {
        TemplateModel.Scalar(alarm, "Threshold").ShouldBe(threshold);
        TemplateModel.Scalar(alarm, "ComparisonOperator").ShouldBe(comparison);
        TemplateModel.Scalar(alarm, "TreatMissingData").ShouldBe(missing);
    }

    private static (string Name, string Value, string? Tag) Dimension(YamlMappingNode alarm)
    {
        var dimension = (YamlMappingNode)((YamlSequenceNode)alarm["Dimensions"]).Children.ShouldHaveSingleItem();
        var value = (YamlScalarNode)dimension["Value"];
        return (TemplateModel.Scalar(dimension, "Name")!, value.Value!, value.Tag.IsEmpty ? null : value.Tag.Value);
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void TemplateAlarm_PagesOnAnyFailedExecutionGivenWorkflow(string workflow)
    {
        var alarm = Alarm(workflow + "FailedAlarm");

        TemplateModel.Scalar(alarm, "Namespace").ShouldBe("AWS/States");
        TemplateModel.Scalar(alarm, "MetricName").ShouldBe("ExecutionsFailed");
        Dimension(alarm).ShouldBe(("StateMachineArn", workflow + "StateMachine", "!Ref"));
        TemplateModel.Scalar(alarm, "Statistic").ShouldBe("Sum");
        ShouldFireAtOrAbove(alarm, "1", "GreaterThanOrEqualToThreshold", "notBreaching");
        ShouldPageTheAlertTopic(alarm);
    }

    public static TheoryData<string> WorkflowNames() => [.. Workflows];

    [Fact]
    public void TemplateStateMachines_EachHasAFailedExecutionAlarm()
    {
        template.Resources("AWS::Serverless::StateMachine").Select(s => s.Name.Replace("StateMachine", ""))
            .ShouldBe(Workflows, ignoreOrder: true, "a new workflow needs its <Name>FailedAlarm and a row in Workflows");
    }

    [Fact]
    public void TemplateAlarm_PagesOnAFailedRollbackCountedFromTheReportRollbackFailureState()
    {
        var alarm = Alarm("RollbackFailedAlarm");
        var filter = template.Resources("AWS::Logs::MetricFilter").Single(f => f.Name == "RollbackFailureMetricFilter").Properties;
        var transformation = (YamlMappingNode)((YamlSequenceNode)filter["MetricTransformations"]).Children.Single();
        var asl = JsonNode.Parse(File.ReadAllText(Path.Combine(template.RepositoryRoot, "statemachines", "provision-peering.asl.json")))!;
        var state = StateName().Match(TemplateModel.Scalar(filter, "FilterPattern")!).Groups[1].Value;

        TemplateModel.Scalar(filter, "LogGroupName").ShouldBe("ProvisionPeeringLogGroup");
        asl["States"]![state]!["Type"]!.GetValue<string>().ShouldBe("Pass", "the filter counts PassStateEntered of a Pass state");
        state.ShouldBe("Report rollback failure");
        TemplateModel.Scalar(transformation, "MetricNamespace").ShouldBe(TemplateModel.Scalar(alarm, "Namespace"));
        TemplateModel.Scalar(transformation, "MetricName").ShouldBe(TemplateModel.Scalar(alarm, "MetricName"));
        TemplateModel.Scalar(alarm, "MetricName").ShouldBe("RollbackFailures");
        ShouldFireAtOrAbove(alarm, "1", "GreaterThanOrEqualToThreshold", "notBreaching");
        ShouldPageTheAlertTopic(alarm);
        // The provisioning log group must log every state's entry for the filter to see it.
        var machine = template.Resources("AWS::Serverless::StateMachine").Single(s => s.Name == "ProvisionPeeringStateMachine").Properties;
        TemplateModel.Scalar((YamlMappingNode)machine["Logging"], "Level").ShouldBe("ALL");
    }

    [GeneratedRegex("details\\.name = \"([^\"]+)\"")]
    private static partial Regex StateName();

    [Fact]
    public void TemplateAlarm_PagesOnALambdaErrorRateOverFivePercent()
    {
        var alarm = Alarm("LambdaErrorRateAlarm");
        var metrics = ((YamlSequenceNode)alarm["Metrics"]).Children.Cast<YamlMappingNode>().ToList();

        metrics.Select(m => TemplateModel.Scalar(m, "Id")).ShouldBe(["errors", "invocations", "rate"]);
        metrics[0].AllNodes.OfType<YamlScalarNode>().Select(n => n.Value).ShouldContain("Errors");
        metrics[1].AllNodes.OfType<YamlScalarNode>().Select(n => n.Value).ShouldContain("Invocations");
        TemplateModel.Scalar(metrics[2], "Expression").ShouldBe("IF(invocations > 0, 100 * errors / invocations, 0)");
        ShouldFireAtOrAbove(alarm, "5", "GreaterThanThreshold", "notBreaching");
        ShouldPageTheAlertTopic(alarm);
    }

    [Fact]
    public void TemplateAlarm_PagesWhenNoComplianceSweepSucceededWithinTheParameterPeriod()
    {
        var alarm = Alarm("ComplianceSweepOverdueAlarm");
        var period = (YamlScalarNode)alarm["Period"];
        var parameter = (YamlMappingNode)((YamlMappingNode)template.Root["Parameters"])["ComplianceAlarmPeriod"];

        TemplateModel.Scalar(alarm, "MetricName").ShouldBe("ExecutionsSucceeded");
        Dimension(alarm).ShouldBe(("StateMachineArn", "CheckComplianceStateMachine", "!Ref"));
        (period.Tag.Value, period.Value).ShouldBe(("!Ref", "ComplianceAlarmPeriod"));
        ((YamlSequenceNode)parameter["AllowedValues"]).Children.Cast<YamlScalarNode>().Select(v => int.Parse(v.Value!))
            .ShouldAllBe(v => v % 60 == 0 && v <= 86400, "a period is a multiple of 60 and one evaluation at most a day");
        ShouldFireAtOrAbove(alarm, "1", "LessThanThreshold", "breaching");
        ShouldPageTheAlertTopic(alarm);
    }

    [Fact]
    public void TemplateAlarm_PagesOnFailedInvocationsOfEveryRuleOfTheTemplate()
    {
        var rules = new List<string>();
        foreach (var name in new[] { "RuleFailedInvocationsAlarm", "ScheduleFailedInvocationsAlarm" })
        {
            var alarm = Alarm(name);
            var metrics = ((YamlSequenceNode)alarm["Metrics"]).Children.Cast<YamlMappingNode>().ToList();
            var watched = metrics.Where(m => m.Children.ContainsKey(new YamlScalarNode("MetricStat")))
                .Select(m => m.AllNodes.OfType<YamlScalarNode>().Last(n => !n.Tag.IsEmpty && !n.Tag.IsNonSpecific && n.Tag.Value == "!Ref").Value).ToList();
            var expression = TemplateModel.Scalar(metrics.Single(m => TemplateModel.Scalar(m, "ReturnData") == "true"), "Expression")!;
            metrics.ShouldAllBe(m => !m.AllNodes.OfType<YamlScalarNode>().Any(n => n.Value == "FailedInvocations") || m.AllNodes.OfType<YamlScalarNode>().Any(n => n.Value == "AWS/Events"));
            metrics.Count.ShouldBeLessThanOrEqualTo(10, "a metric-math alarm takes at most 10 metrics");
            expression.ShouldBe("SUM([" + string.Join(", ", Enumerable.Range(0, watched.Count).Select(i => $"rule{i}")) + "])");
            ShouldFireAtOrAbove(alarm, "1", "GreaterThanOrEqualToThreshold", "notBreaching");
            ShouldPageTheAlertTopic(alarm);
            rules.AddRange(watched!);
        }

        var ruleEvents = template.Resources("AWS::Serverless::StateMachine").Concat(template.Resources("AWS::Serverless::Function"))
            .Where(r => r.Properties.Children.ContainsKey(new YamlScalarNode("Events")))
            .SelectMany(r => ((YamlMappingNode)r.Properties["Events"]).Children.Keys.Select(e => r.Name + ((YamlScalarNode)e).Value))
            .ToList();
        rules.ShouldBe(ruleEvents, ignoreOrder: true, "SAM names a rule <StateMachine><Event>; every one is watched, once");
    }

    [Fact]
    public void TemplateAlarm_PagesOnAnyMessageInEachDeadLetterQueue()
    {
        var queues = template.Resources("AWS::SQS::Queue").Select(q => q.Name).Where(n => n.EndsWith("DeadLetterQueue", StringComparison.Ordinal)).ToList();

        queues.Count.ShouldBe(6);
        foreach (var queue in queues)
        {
            var alarm = Alarm(queue.Replace("DeadLetterQueue", "DeadLetterAlarm"));
            TemplateModel.Scalar(alarm, "Namespace").ShouldBe("AWS/SQS");
            TemplateModel.Scalar(alarm, "MetricName").ShouldBe("ApproximateNumberOfMessagesVisible");
            Dimension(alarm).ShouldBe(("QueueName", queue + ".QueueName", "!GetAtt"));
            ShouldFireAtOrAbove(alarm, "0", "GreaterThanThreshold", "notBreaching");
            ShouldPageTheAlertTopic(alarm);
        }
    }

    [Fact]
    public void TemplateDashboard_ShowsTheMeshWorkflowsFindingsQueuesAndAlarms()
    {
        var dashboard = template.Resources("AWS::CloudWatch::Dashboard").ShouldHaveSingleItem().Properties;
        var sub = (YamlSequenceNode)dashboard["DashboardBody"];
        var text = ((YamlScalarNode)sub.Children[0]).Value!;
        var body = JsonNode.Parse(Placeholder().Replace(text, "x"))!;
        var widgets = body["widgets"]!.AsArray();

        widgets.Count.ShouldBeLessThanOrEqualTo(500);
        widgets.ShouldAllBe(w => w!["width"]!.GetValue<int>() <= 24 && w["x"]!.GetValue<int>() + w["width"]!.GetValue<int>() <= 24);
        var custom = widgets.Single(w => w!["type"]!.GetValue<string>() == "custom")!;
        text.ShouldContain("\"endpoint\":\"${MeshWidgetFunction.Arn}\"");
        custom["properties"]!["title"]!.GetValue<string>().ShouldContain("mesh");
        foreach (var workflow in Workflows)
        {
            text.ShouldContain($"${{{workflow}StateMachine}}");
            text.ShouldContain($"${{{workflow}FailedAlarm.Arn}}");
            text.ShouldContain($"${{{workflow}DeadLetterQueue.QueueName}}");
        }
        foreach (var type in FindingTypes.All)
        {
            text.ShouldContain($"\"Findings{type}\"");
        }
        foreach (var metric in new[] { "RequestsRejectedByCode", "PeeringsFailed", "RollbackFailures", "Throttles", "Errors", "FailedInvocations", "ApproximateNumberOfMessagesVisible" })
        {
            text.ShouldContain($"\"{metric}\"");
        }
        template.Resources("AWS::CloudWatch::Alarm").ShouldAllBe(a => text.Contains($"${{{a.Name}.Arn}}"), "the alarm widget lists every alarm");
        template.Resources("AWS::Serverless::Function").ShouldAllBe(f => text.Contains($"\"FunctionName\",\"${{{f.Name}}}\""), "every function's errors and throttles are drawn");
        JsonSerializer.Serialize(body).ShouldNotBeEmpty();
    }

    [GeneratedRegex("\\$\\{[^}]+\\}")]
    private static partial Regex Placeholder();
}
