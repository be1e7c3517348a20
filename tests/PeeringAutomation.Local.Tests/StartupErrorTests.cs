using System.Net;
using System.Net.Sockets;
using PeeringAutomation.Local.Deploy;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Lambda;
using PeeringAutomation.Local.Template;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Local.Tests;

/// <summary>The start-up tests start a local stack in this process: one at a time, apart from the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StartupErrorCollection
{
    public const string Name = "local stack start-up";
}

/// <summary>Start-up refuses what it cannot honour, with a message naming the culprit, before moto starts.</summary>
[Collection(StartupErrorCollection.Name)]
public sealed class StartupErrorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("local-stack-test").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task LocalCloudStartAsync_FailsNamingFilePathAndReasonGivenAnInvalidWorld()
    {
        var world = Write("world.yaml", """
            accounts:
              - id: "123456789012"
              - id: "222222222222"
              - id: "333333333333"
                vpcs:
                  - name: broken
                    region: us-east-1
                    cidr: 10.0.0.0/33
            """);

        var error = await Should.ThrowAsync<WorldFileError>(() => LocalCloud.StartAsync(new LocalCloudOptions { WorldFile = world, TemplatePath = FixtureTemplate }));

        error.File.ShouldBe(world);
        error.Path.ShouldBe("accounts[2].vpcs[0].cidr");
        error.Message.ShouldContain("prefix length");
    }

    [Theory]
    [InlineData("accounts:\n  - id: \"12345\"\n", "accounts[0].id", "12-digit")]
    [InlineData("accounts:\n  - id: \"123456789012\"\n    vpcs:\n      - {name: a, region: us-east-1, cidr: 10.0.0.0/16, subnets: [{name: s, cidr: 10.1.0.0/24}]}\n", "accounts[0].vpcs[0].subnets[0].cidr", "not inside")]
    [InlineData("accounts:\n  - id: \"123456789012\"\n    vpcs:\n      - {name: a, region: us-east-1, cidr: 10.0.0.0/16, colour: red}\n", "accounts[0].vpcs[0].colour", "unknown field")]
    [InlineData("accounts:\n  - id: \"123456789012\"\n    vpcs:\n      - {name: a, region: us-east-1, cidr: 10.0.0.0/16}\n      - {name: a, region: eu-west-1, cidr: 10.1.0.0/16}\n", "accounts[0].vpcs[1].name", "already used")]
    [InlineData("accounts:\n  - id: \"123456789012\"\n    vpcs:\n      - {name: a, region: mars-1, cidr: 10.0.0.0/16}\n", "accounts[0].vpcs[0].region", "not an AWS region")]
    public void WorldFileParse_NamesThePathGivenAnInvalidWorld(string yaml, string path, string reason)
    {
        var error = Should.Throw<WorldFileError>(() => WorldFile.Parse(yaml, "w.yaml"));

        error.Path.ShouldBe(path);
        error.Reason.ShouldContain(reason);
    }

    [Fact]
    public void WorldFileLoad_AcceptsTheDefaultWorld()
    {
        var world = WorldFile.Load(LocalCloudOptions.DefaultWorldFile);

        world.Accounts.Count.ShouldBeGreaterThanOrEqualTo(4);
        world.Regions.ShouldBe(["eu-west-1", "us-east-1"]);
        var vpcs = world.Accounts.SelectMany(a => a.Vpcs).ToList();
        vpcs.ShouldContain(v => v.SecondaryCidrs.Count > 0 && v.Ipv6);
        vpcs.ShouldContain(v => v.FlowLogs);
        vpcs.ShouldContain(v => !v.FlowLogs);
        vpcs.SelectMany(a => vpcs.Where(b => b != a && Core.Model.Cidr.Parse(a.Cidr).Overlaps(Core.Model.Cidr.Parse(b.Cidr)))).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task LocalCloudStartAsync_FailsNamingTheResourceGivenAnUnsupportedResourceType()
    {
        var template = Write("template.yaml", """
            Resources:
              Bus:
                Type: AWS::Events::EventBus
                Properties: {Name: b}
              Api:
                Type: AWS::Serverless::Api
                Properties: {StageName: prod}
            """);

        var error = await Should.ThrowAsync<TemplateError>(() => LocalCloud.StartAsync(new LocalCloudOptions { TemplatePath = template }));

        error.Message.ShouldContain("resource Api: type AWS::Serverless::Api is not supported");
    }

    [Fact]
    public void StackPlannerPlan_FailsNamingTheResourceAndPropertyGivenAnUnsupportedProperty()
    {
        var template = Write("template.yaml", """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Handler: A::B::C
                  DeadLetterQueue: {Type: SQS, TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq}
            """);

        var error = Should.Throw<TemplateError>(() => Plan(template));

        error.Message.ShouldBe("resource Fn (AWS::Serverless::Function): property 'DeadLetterQueue' is not supported by the local stack");
    }

    [Fact]
    public void StackPlannerPlan_ReadsRetryPolicyAndDeadLetterQueueGivenTheFixtureTemplate()
    {
        var target = Plan(FixtureTemplate).Rules.Single(r => r.Name == "TestFlowRequested").Targets.Single();

        target.RetryPolicy.ShouldBe(new RetryPolicyPlan(2, 3600));
        target.DeadLetterArn.ShouldBe("arn:aws:sqs:us-east-1:123456789012:peering-automation-test-flow-dlq");
    }

    [Theory]
    [InlineData("DeadLetterConfig: {Type: SQS}", "resource Flow (AWS::Serverless::StateMachine).Events.Go.DeadLetterConfig: give the queue as Arn (an AWS::SQS::Queue of this template); Type is not supported by the local stack")]
    [InlineData("DeadLetterConfig: {Arn: arn:aws:sqs:us-east-1:123456789012:elsewhere}", "DeadLetterConfig.Arn arn:aws:sqs:us-east-1:123456789012:elsewhere is not a queue of this template")]
    [InlineData("RetryPolicy: {MaximumRetryAttempts: 500}", "RetryPolicy.MaximumRetryAttempts: '500' is not a whole number from 0 to 185")]
    public void StackPlannerPlan_FailsNamingTheEventGivenABadDeliveryPolicy(string property, string message)
    {
        var template = Write("template.yaml", $$"""
            Resources:
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  Definition:
                    StartAt: Done
                    States:
                      Done:
                        Type: Succeed
                  Events:
                    Go:
                      Type: Schedule
                      Properties:
                        Schedule: rate(1 hour)
                        {{property}}
            """);

        Should.Throw<TemplateError>(() => Plan(template)).Message.ShouldContain(message);
    }

    [Fact]
    public void StackPlannerPlan_FailsGivenAnUnsupportedIntrinsic()
    {
        var template = Write("template.yaml", """
            Resources:
              Bus:
                Type: AWS::Events::EventBus
                Properties:
                  Name: !ImportValue shared-bus
            """);

        Should.Throw<TemplateError>(() => Plan(template)).Message.ShouldContain("does not support Fn::ImportValue");
    }

    [Fact]
    public void StackPlannerPlan_ResolvesTheFixtureTemplateGivenItsIntrinsics()
    {
        var plan = Plan(FixtureTemplate, new Dictionary<string, string> { ["ManagedAccountIds"] = "123456789012,222222222222" });

        plan.Topics.Single().Arn.ShouldBe("arn:aws:sns:us-east-1:123456789012:vpc-peering-alerts");
        plan.Topics.Single().Subscriptions.ShouldBeEmpty();
        plan.Functions.Single(f => f.LogicalId == "EchoFunction").Name.ShouldBe("peering-automation-echo");
        plan.Functions.Single(f => f.LogicalId == "FailFunction").Environment["FAIL_MESSAGE"].ShouldBe("refused by 123456789012 in us-east-1");
        plan.Functions.Single(f => f.LogicalId == "FailFunction").Environment["MANAGED_ACCOUNT_IDS"].ShouldBe("123456789012,222222222222");
        plan.Functions.Single(f => f.LogicalId == "AcceptFunction").InvokeConfig.OnSuccess.ShouldBe("arn:aws:events:us-east-1:123456789012:event-bus/vpc-peering");
        var machine = plan.StateMachines.Single();
        machine.Definition.ShouldContain("arn:aws:lambda:us-east-1:123456789012:function:peering-automation-echo");
        machine.Definition.ShouldNotContain("${");
        plan.Rules.Select(r => (r.Name, r.BusName, r.Schedule)).ShouldBe(
            [("AcceptFunctionAcceptanceCheck", "vpc-peering", null), ("AcceptFunctionSweep", "default", "rate(1 hour)"), ("TestFlowRequested", "vpc-peering", null), ("TestFlowNightly", "default", "rate(1 day)")],
            ignoreOrder: true);
        plan.Ignored.ShouldBe(["ExtraRole (AWS::IAM::Role)"]);
    }

    [Fact]
    public void StackPlannerPlan_SubscribesTheAlertEmailGivenTheConditionHolds()
    {
        var plan = Plan(FixtureTemplate, new Dictionary<string, string> { ["AlertEmail"] = "ops@example.com" });

        plan.Topics.Single().Subscriptions.ShouldBe([new SubscriptionPlan("email", "ops@example.com")]);
    }

    [Fact]
    public void StackPlannerPlan_FailsNamingTheParameterGivenAnUnknownOverride()
    {
        Should.Throw<TemplateError>(() => Plan(FixtureTemplate, new Dictionary<string, string> { ["NoSuch"] = "x" }))
            .Message.ShouldContain("no parameter 'NoSuch'");
    }

    [Fact]
    public void FunctionEnvironmentCompute_FailsNamingBothFunctionsGivenConflictingValues()
    {
        var template = Write("template.yaml", """
            Resources:
              One:
                Type: AWS::Serverless::Function
                Properties: {Handler: A::B::C, Environment: {Variables: {MODE: fast}}}
              Two:
                Type: AWS::Serverless::Function
                Properties: {Handler: A::B::C, Environment: {Variables: {MODE: slow}}}
            """);

        var error = Should.Throw<TemplateError>(() => FunctionEnvironment.Compute(Plan(template), new Uri("http://127.0.0.1:1")));

        error.Message.ShouldContain("functions One and Two set MODE to different values");
    }

    [Fact]
    public void HandlerResolverResolve_ExplainsGivenAMissingType()
    {
        Should.Throw<HandlerNotResolved>(() => HandlerResolver.Resolve("PeeringAutomation.Local.Tests::No.Such.Type::Handle"))
            .Message.ShouldContain("type No.Such.Type not found");
        Should.Throw<HandlerNotResolved>(() => HandlerResolver.Resolve("just-a-name"))
            .Message.ShouldContain("ASSEMBLY::TYPE::METHOD");
    }

    [Fact]
    public async Task LocalCloudStartAsync_FailsAtOnceGivenABusyPort()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var error = await Should.ThrowAsync<PortInUse>(() => LocalCloud.StartAsync(new LocalCloudOptions { Port = port, TemplatePath = FixtureTemplate }));

        error.Message.ShouldContain($"Port {port} on 127.0.0.1 is already in use");
    }

    [Theory]
    [InlineData("rate(5 minutes)", "2026-01-01T00:00:00", "2026-01-01T00:05:00")]
    [InlineData("cron(0 12 * * ? *)", "2026-01-01T13:00:00", "2026-01-02T12:00:00")]
    [InlineData("cron(0 9 ? * 2 *)", "2026-01-01T00:00:00", "2026-01-05T09:00:00")] // 2 = Monday in EventBridge
    public void ScheduleExpressionNext_FollowsEventBridgeSemanticsGivenRateOrCron(string expression, string after, string expected)
    {
        var next = Bridge.ScheduleExpression.Parse(expression).Next(DateTime.SpecifyKind(DateTime.Parse(after, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc));

        next.ShouldBe(DateTime.SpecifyKind(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc));
    }

    private static string FixtureTemplate => Fixtures.FixtureStack.FixtureTemplate;

    private static StackPlan Plan(string template, Dictionary<string, string>? overrides = null) =>
        StackPlanner.Plan(template, "us-east-1", "123456789012", overrides ?? [], new Dictionary<string, string>());

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}

public sealed class LocalCliTests
{
    [Fact]
    public void LocalCliParseOverrides_SplitsAtTheFirstEqualsGivenKeyValuePairs()
    {
        Cli.LocalCli.ParseOverrides(["AllowAllTraffic=true", "AlertEmail=a=b@example.com"])
            .ShouldBe(new Dictionary<string, string> { ["AllowAllTraffic"] = "true", ["AlertEmail"] = "a=b@example.com" });
        Should.Throw<ArgumentException>(() => Cli.LocalCli.ParseOverrides(["NoEquals"])).Message.ShouldContain("Key=Value");
    }

    [Fact]
    public void SampleEventsRead_TakesTheDetailTypeFromTheFileNameGivenABareDetail()
    {
        var file = Path.Combine(Path.GetTempPath(), "peering-acceptance-check-requested.json");
        File.WriteAllText(file, "{}");

        var sample = Demo.SampleEvents.Read(file).Single();

        sample.DetailType.ShouldBe("Peering Acceptance Check Requested");
        sample.Source.ShouldBe("vpc-peering");
    }
}

public sealed class TemplateReaderTests
{
    [Fact]
    public void TemplateReaderReadYaml_TurnsShortFormTagsIntoCloudFormationJsonGivenYaml()
    {
        var node = Template.TemplateReader.ReadYaml("""
            a: !Ref Bus
            b: !GetAtt Fn.Arn
            c: !Sub "${AWS::Region}-x"
            d: !Join [",", !Ref List]
            e: 1.0
            f: "012345678901"
            g: 012345678901
            h: true
            """)!;

        node["a"]!.ToJsonString().ShouldBe("""{"Ref":"Bus"}""");
        node["b"]!.ToJsonString().ShouldBe("""{"Fn::GetAtt":["Fn","Arn"]}""");
        node["c"]!.ToJsonString().ShouldBe("""{"Fn::Sub":"${AWS::Region}-x"}""");
        node["d"]!.ToJsonString().ShouldBe("""{"Fn::Join":[",",{"Ref":"List"}]}""");
        node["e"]!.ToJsonString().ShouldBe("1.0");
        node["f"]!.GetValue<string>().ShouldBe("012345678901");
        node["g"]!.GetValue<string>().ShouldBe("012345678901");
        node["h"]!.GetValue<bool>().ShouldBeTrue();
    }
}
