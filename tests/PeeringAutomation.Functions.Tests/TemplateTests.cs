using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.AutoAccept;
using PeeringAutomation.Functions.Provisioning;
using PeeringAutomation.Functions.Teardown;
using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Functions.Tests;

public sealed partial class TemplateTests
{
    private readonly TemplateModel template = new();

    public static TheoryData<string> FunctionNames() =>
        new(new TemplateModel().Resources("AWS::Serverless::Function").Select(f => f.Name));

    public static TheoryData<string> StateMachineNames() =>
        new(new TemplateModel().Resources("AWS::Serverless::StateMachine").Select(f => f.Name));

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public void TemplateHandler_ResolvesToPublicStreamHandlerGivenFunction(string function)
    {
        var properties = template.Resources("AWS::Serverless::Function").Single(f => f.Name == function).Properties;
        var handler = TemplateModel.Scalar(properties, "Handler").ShouldNotBeNull();
        var parts = handler.Split("::");
        parts.Length.ShouldBe(3, $"'{handler}' is not ASSEMBLY::TYPE::METHOD");

        parts[0].ShouldBe(typeof(PeeringJsonContext).Assembly.GetName().Name);
        var type = typeof(PeeringJsonContext).Assembly.GetType(parts[1]).ShouldNotBeNull($"type {parts[1]} not found");
        type.IsPublic.ShouldBeTrue();
        type.IsAbstract.ShouldBeFalse();
        type.GetConstructor(Type.EmptyTypes).ShouldNotBeNull($"{type.Name} needs a public parameterless constructor for Lambda");
        var method = type.GetMethod(parts[2], BindingFlags.Public | BindingFlags.Instance).ShouldNotBeNull();
        method.ReturnType.ShouldBe(typeof(Task<Stream>));
        method.GetParameters().Select(p => p.ParameterType).ShouldBe([typeof(Stream)]);
    }

    [Theory]
    [MemberData(nameof(StateMachineNames))]
    public void TemplateDefinitionSubstitutions_MatchPlaceholdersGivenStateMachine(string machine)
    {
        var properties = template.Resources("AWS::Serverless::StateMachine").Single(m => m.Name == machine).Properties;
        var file = Path.Combine(template.RepositoryRoot, TemplateModel.Scalar(properties, "DefinitionUri")!);
        var definition = File.ReadAllText(file);
        JsonNode.Parse(definition).ShouldNotBeNull();
        var defined = ((YamlMappingNode)properties["DefinitionSubstitutions"]).Children.Keys
            .Select(k => ((YamlScalarNode)k).Value!).ToHashSet();

        var used = Placeholder().Matches(definition).Select(m => m.Groups[1].Value).ToHashSet();

        used.Except(defined).ShouldBeEmpty("placeholders in the ASL with no substitution");
        defined.Except(used).ShouldBeEmpty("substitutions the ASL never uses");
    }

    [Theory]
    [MemberData(nameof(StateMachineNames))]
    public void TemplateErrorNames_HaveExceptionTypesGivenStateMachine(string machine)
    {
        var properties = template.Resources("AWS::Serverless::StateMachine").Single(m => m.Name == machine).Properties;
        var definition = JsonNode.Parse(File.ReadAllText(Path.Combine(template.RepositoryRoot, TemplateModel.Scalar(properties, "DefinitionUri")!)))!;
        var ours = typeof(PeeringAutomationError).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(PeeringAutomationError))).Select(t => t.Name).ToHashSet();

        var names = Descendants(definition)
            .OfType<JsonObject>()
            .Where(o => o["ErrorEquals"] is JsonArray)
            .SelectMany(o => o["ErrorEquals"]!.AsArray().Select(n => n!.GetValue<string>()))
            .Where(n => !n.StartsWith("States.", StringComparison.Ordinal) && !n.StartsWith("Lambda.", StringComparison.Ordinal))
            .ToHashSet();

        names.Except(ours).ShouldBeEmpty("ErrorEquals names with no exception type of that simple name");
    }

    [Fact]
    public async Task TemplateEc2Actions_GrantExactlyWhatEachHandlerCalls()
    {
        var called = await RecordProvisioningCallsAsync();
        var functions = template.Resources("AWS::Serverless::Function").ToDictionary(f => f.Name, f => f.Properties);

        called.Keys.ShouldBe(functions.Keys, ignoreOrder: true, "every function must be exercised by this test");
        foreach (var (function, actions) in called)
        {
            if (actions.Contains("ec2:CreateVpcPeeringConnection"))
            {
                // Tagging at creation (TagSpecifications) is authorized as ec2:CreateTags too.
                actions.Add("ec2:CreateTags");
            }
            var granted = TemplateModel.Ec2Actions(functions[function]);
            actions.Except(granted).ShouldBeEmpty($"{function} calls EC2 actions its policy does not grant");
            granted.Except(actions).ShouldBeEmpty($"{function} is granted EC2 actions it never calls");
        }
    }

    [Fact]
    public void MemberRole_GrantsExactlyTheEc2ActionsTheGatewayCalls()
    {
        var source = File.ReadAllText(Path.Combine(template.RepositoryRoot, "src/PeeringAutomation.Aws/Ec2Gateway.cs"));
        var called = SdkCall().Matches(source).Select(m => "ec2:" + m.Groups[1].Value).ToHashSet();
        var role = TemplateModel.Load(Path.Combine(template.RepositoryRoot, "deploy/member-role.yaml"));

        var granted = TemplateModel.Ec2Actions(role);

        granted.ShouldBe(called, ignoreOrder: true);
    }

    [Fact]
    public void TemplateFunctions_GrantOnlyActionsTheMemberRoleAlsoGrants()
    {
        var role = TemplateModel.Ec2Actions(TemplateModel.Load(Path.Combine(template.RepositoryRoot, "deploy/member-role.yaml")));

        foreach (var (name, properties) in template.Resources("AWS::Serverless::Function"))
        {
            TemplateModel.Ec2Actions(properties).Except(role).ShouldBeEmpty($"{name} grants actions member accounts deny");
        }
    }

    /// <summary>Runs every provisioning handler (happy path with DNS, then rollback) and records its EC2 calls.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> RecordProvisioningCallsAsync()
    {
        var world = new ProvisioningWorld();
        var calls = new Dictionary<string, HashSet<string>>();
        async Task<JsonNode> Run(string function, Func<Stream, Task<Stream>> handler, JsonNode input)
        {
            world.Ec2.Calls.Clear();
            var output = await ProvisioningWorld.InvokeAsync(handler, input);
            calls[function] = [.. calls.GetValueOrDefault(function, []), .. world.Ec2.Calls];
            return output;
        }

        var services = world.Services;
        var state = (JsonObject)await Run("ValidatePeeringRequestFunction", new ValidatePeeringRequestFunction(services).Handle,
            world.Event(d => d["allowDnsResolution"] = true));
        state["peering"] = await Run("CreatePeeringFunction", new CreatePeeringFunction(services).Handle, state);
        state["acceptance"] = await Run("AcceptPeeringFunction", new AcceptPeeringFunction(services).Handle, state);
        state["routes"] = await Run("ConfigureRoutesFunction", new ConfigureRoutesFunction(services).Handle, state);
        // A retried step: the routes and rules are there already, so the steps read tables and groups to decide.
        await Run("ConfigureRoutesFunction", new ConfigureRoutesFunction(services).Handle, state);
        state["securityGroups"] = await Run("ConfigureSecurityGroupsFunction", new ConfigureSecurityGroupsFunction(services).Handle, state);
        await Run("ConfigureSecurityGroupsFunction", new ConfigureSecurityGroupsFunction(services).Handle, state);
        await Run("ConfigureDnsFunction", new ConfigureDnsFunction(services).Handle, state);
        await Run("CheckFlowLogsFunction", new CheckFlowLogsFunction(services).Handle, state);
        // A plan recorded before validation carried the tables' subnets forward: the ACL check reads the tables.
        var olderPlan = (JsonObject)state.DeepClone();
        ((JsonObject)olderPlan["plan"]!["requester"]!).Remove("subnets");
        ((JsonObject)olderPlan["plan"]!["accepter"]!).Remove("subnets");
        await Run("CheckFlowLogsFunction", new CheckFlowLogsFunction(services).Handle, olderPlan);
        state["error"] = new JsonObject { ["Error"] = "PeeringConflict", ["Cause"] = "test" };
        await Run("RollbackPeeringFunction", new RollbackPeeringFunction(services).Handle, state);

        // A request that waits for the accepter's approval, then the approval that re-validates it.
        var approvalWorld = new ProvisioningWorld();
        world = approvalWorld;
        var asked = approvalWorld.Event();
        asked["account"] = ProvisioningWorld.Requester.Account.Value;
        await approvalWorld.ProvisionAsync(asked);
        var decision = new JsonObject
        {
            ["id"] = "d-1", ["detail-type"] = "Peering Approval Decided", ["source"] = "vpc-peering", ["account"] = ProvisioningWorld.Accepter.Account.Value,
            ["detail"] = new JsonObject { ["requestId"] = "chg-42", ["decision"] = "approve" },
        };
        await Run("RecordApprovalDecisionFunction", new Approvals.RecordApprovalDecisionFunction(approvalWorld.Services).Handle,
            ProvisioningWorld.IntakeInput(decision, "arn:aws:states:us-east-1:123456789012:execution:provision:decision"));

        var teardownWorld = new ProvisioningWorld();
        world = teardownWorld;
        await teardownWorld.ProvisionAsync(teardownWorld.Event());
        var resolved = await Run("ResolveTeardownFunction", new ResolveTeardownFunction(teardownWorld.Services).Handle,
            TeardownTests.TeardownEvent(new JsonObject { ["requestId"] = "chg-42" }));
        await Run("TeardownPeeringFunction", new TeardownPeeringFunction(teardownWorld.Services).Handle, resolved["targets"]![0]!.DeepClone());
        // By a peering id the ledger does not know: EC2 tells "not managed" from "not found".
        await Run("ResolveTeardownFunction", new ResolveTeardownFunction(teardownWorld.Services).Handle, TeardownTests.TeardownEvent(new JsonObject
        {
            ["vpcPeeringConnectionId"] = "pcx-0123456789abcdef0", ["accountId"] = ProvisioningWorld.Requester.Account.Value,
            ["region"] = ProvisioningWorld.Requester.Region.Value,
        }));

        // A change that replaces a route (a narrower destination) and a rule, turns DNS on and moves the expiry: then
        // the same change failing at its last write, rolled back (the whole move backwards).
        var changeWorld = new ChangeWorld(d => d["expiresAt"] = "2026-12-10T00:00:00Z");
        world = changeWorld.World;
        JsonObject Change(string id) => new()
        {
            ["requestId"] = "chg-42",
            ["changeId"] = id,
            ["destinationCidrs"] = new JsonArray("10.20.0.0/17", "10.1.0.0/16"),
            ["requester"] = new JsonObject
            {
                ["ingressFromPeer"] = ChangeWorld.Ingress(changeWorld.World.RequesterGroup.Value, 5432)["ingressFromPeer"]!.DeepClone(),
            },
            ["allowDnsResolution"] = true,
            ["expiresAt"] = "2026-12-05T00:00:00Z",
        };
        var taken = (JsonObject)await Run("TakeChangeFunction", new Changes.TakeChangeFunction(changeWorld.World.Services).Handle,
            ProvisioningWorld.IntakeInput(ChangeWorld.Envelope(Change("c-1"), "123456789012"), "arn:aws:states:us-east-1:123456789012:execution:change:1"));
        var step = new JsonObject { ["requestId"] = "chg-42", ["changeId"] = taken["changeId"]!.DeepClone() };
        await Run("ApplyChangeFunction", new Changes.ApplyChangeFunction(changeWorld.World.Services).Handle, step);
        // Back to every block and port 443, DNS off, the old expiry: this time tagging fails and the move is undone.
        var back = new JsonObject
        {
            ["requestId"] = "chg-42", ["changeId"] = "c-2",
            ["destinationCidrs"] = null,
            ["requester"] = new JsonObject
            {
                ["ingressFromPeer"] = ChangeWorld.Ingress(changeWorld.World.RequesterGroup.Value, 443)["ingressFromPeer"]!.DeepClone(),
            },
            ["allowDnsResolution"] = false,
            ["expiresAt"] = "2026-12-06T00:00:00Z",
        };
        var takenBack = await changeWorld.TakeAsync(back, "123456789012");
        changeWorld.Ec2.Fault = action => action == "CreateTags" ? new AwsAccessDenied("denied") : null;
        await Should.ThrowAsync<AwsAccessDenied>(() => ProvisioningWorld.InvokeAsync(new Changes.ApplyChangeFunction(changeWorld.World.Services).Handle,
            new JsonObject { ["requestId"] = "chg-42", ["changeId"] = takenBack["changeId"]!.DeepClone() }));
        changeWorld.Ec2.Fault = null;
        await Run("RollbackChangeFunction", new Changes.RollbackChangeFunction(changeWorld.World.Services).Handle,
            new JsonObject { ["requestId"] = "chg-42", ["changeId"] = "c-2", ["error"] = new JsonObject { ["Error"] = "AwsAccessDenied" } });

        // An extension by the requester waits for the accepter; its approval re-validates it.
        var decisionWorld = new ChangeWorld(d => d["expiresAt"] = "2026-12-10T00:00:00Z");
        world = decisionWorld.World;
        await decisionWorld.ChangeAsync(new JsonObject { ["changeId"] = "extend", ["expiresAt"] = "2026-12-20T00:00:00Z" }, ProvisioningWorld.Requester.Account.Value);
        var approve = ChangeWorld.Envelope(new JsonObject { ["requestId"] = "chg-42", ["changeId"] = "extend", ["decision"] = "approve" },
            ProvisioningWorld.Accepter.Account.Value);
        approve["detail-type"] = "Peering Approval Decided";
        await Run("DecideChangeFunction", new Changes.DecideChangeFunction(decisionWorld.World.Services).Handle,
            ProvisioningWorld.IntakeInput(approve, "arn:aws:states:us-east-1:123456789012:execution:change:decision"));

        // Auto-accept with rejection of unlisted requesters exercises every action it is granted.
        var acceptWorld = new ProvisioningWorld(s => s with
        {
            Policy = s.Policy with { RejectUnlistedRequests = true, AllowedPeerAccounts = new HashSet<AccountId> { ProvisioningWorld.Requester.Account } },
        });
        acceptWorld.AccepterConsentsTo("*");
        world = acceptWorld;
        await acceptWorld.RequestFromOutsideAsync(ProvisioningWorld.Requester, "172.31.0.0/16");
        await acceptWorld.RequestFromOutsideAsync(new AccountRegion(AccountId.Parse("333333333333"), AwsRegion.Parse("eu-west-1")), "172.30.0.0/16");
        await Run("AutoAcceptPeeringsFunction", new AutoAcceptPeeringsFunction(acceptWorld.Services).Handle, new JsonObject());

        // A compliance sweep over a provisioned peering, with flow-log remediation on (the accepter VPC has none).
        var complianceWorld = new ProvisioningWorld(s => s with
        {
            FlowLogRemediation = new Core.Compliance.FlowLogRemediationSettings(Core.Model.FlowLogDelivery.CloudWatch, "/vpc-flow-logs/{vpcId}", "PeeringAutomationFlowLogDelivery"),
        });
        world = complianceWorld;
        await complianceWorld.ProvisionAsync(complianceWorld.Event());
        var plan = await Run("PlanComplianceSweepFunction", new Compliance.PlanComplianceSweepFunction(complianceWorld.Services).Handle,
            new JsonObject { ["source"] = "aws.events", ["detail-type"] = "Scheduled Event" });
        var scope = plan["scopes"]!.AsArray().First(s => s!["region"]!.GetValue<string>() == ProvisioningWorld.Requester.Region.Value
            && s["accountId"]!.GetValue<string>() == ProvisioningWorld.Requester.Account.Value)!.DeepClone();
        var evaluation = await Run("EvaluateComplianceScopeFunction",
            new Compliance.EvaluateComplianceScopeFunction(complianceWorld.Services).Handle, scope);
        // The accepter's side has no flow log: remediation creates it.
        var accepterScope = plan["scopes"]!.AsArray().First(s => s!["region"]!.GetValue<string>() == ProvisioningWorld.Accepter.Region.Value
            && s["accountId"]!.GetValue<string>() == ProvisioningWorld.Accepter.Account.Value)!.DeepClone();
        await Run("EvaluateComplianceScopeFunction", new Compliance.EvaluateComplianceScopeFunction(complianceWorld.Services).Handle, accepterScope);
        var results = plan.DeepClone().AsObject();
        results["evaluations"] = new JsonArray(evaluation.DeepClone());
        await Run("PlanMemberDeliveriesFunction", new Notifications.PlanMemberDeliveriesFunction(complianceWorld.Services).Handle,
            new JsonObject { ["detail-type"] = "Peering Provisioned", ["detail"] = new JsonObject { ["requester"] = new JsonObject { ["accountId"] = "111111111111" } } });
        await Run("SuppressFindingFunction", new Compliance.SuppressFindingFunction(complianceWorld.Services).Handle, new JsonObject
        {
            ["account"] = "123456789012", ["detail-type"] = "Compliance Finding Suppression Requested",
            ["detail"] = new JsonObject { ["findingId"] = "pcf-0123456789abcdef0123", ["reason"] = "test", ["until"] = "2099-01-01T00:00:00Z" },
        });
        await Run("SummarizeComplianceFunction", new Compliance.SummarizeComplianceFunction(complianceWorld.Services).Handle, results);
        // The mesh widget reads only the ledger and the findings table.
        await Run("MeshWidgetFunction", new Operations.MeshWidgetFunction(complianceWorld.Services).Handle, new JsonObject());
        return calls;
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>().SelectMany(Descendants))
        {
            yield return child;
        }
    }

    [GeneratedRegex(@"\$\{([A-Za-z0-9]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"ec2\.([A-Za-z]+)Async\(")]
    private static partial Regex SdkCall();
}
