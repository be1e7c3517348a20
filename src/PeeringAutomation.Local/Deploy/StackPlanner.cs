using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// Turns template.yaml into a <see cref="StackPlan"/> without touching AWS: resolves parameters
/// (<see cref="TemplateParameters"/>), conditions, Globals (<see cref="SamGlobals"/>) and intrinsic
/// functions, names every resource as the local stack will create it (<see cref="ResourceNames"/>),
/// plans each resource with the planner of its family, and rejects whatever it does not understand
/// (a resource type, a property, an event type) with an error naming the resource. Nothing is
/// silently skipped; resources with no local meaning (IAM and the like) are ignored by an explicit
/// list (<see cref="SupportedResources.IgnoredTypes"/>).
/// </summary>
public sealed class StackPlanner
{
    private readonly TemplateScope scope;
    private readonly FunctionPlanner functionPlanner;
    private readonly StateMachinePlanner stateMachinePlanner;
    private readonly EventBridgePlanner eventBridgePlanner;
    private readonly MessagingPlanner messagingPlanner;
    private readonly TablePlanner tablePlanner;

    private readonly List<string> ignored = [];
    private readonly List<BusPlan> buses = [];
    private readonly List<TopicPlan> topics = [];
    private readonly List<QueuePlan> queues = [];
    private readonly List<LogGroupPlan> logGroups = [];
    private readonly List<FunctionPlan> functions = [];
    private readonly List<StateMachinePlan> machines = [];
    private readonly List<RulePlan> rules = [];
    private readonly Dictionary<string, InvokeConfigPlan> invokeConfigs = [];
    private readonly List<(string TopicArn, SubscriptionPlan Subscription)> subscriptions = [];
    private readonly List<TablePlan> tables = [];
    private readonly List<BusPolicyPlan> busPolicies = [];

    private StackPlanner(TemplateScope scope)
    {
        this.scope = scope;
        functionPlanner = new FunctionPlanner(scope);
        stateMachinePlanner = new StateMachinePlanner(scope);
        eventBridgePlanner = new EventBridgePlanner(scope);
        messagingPlanner = new MessagingPlanner(scope);
        tablePlanner = new TablePlanner(scope);
    }

    /// <summary>
    /// Plans the stack. <paramref name="overrides"/> are <c>--parameter-overrides</c> (win over
    /// everything); <paramref name="localDefaults"/> are the local stack's defaults (from the world),
    /// used instead of the template's defaults.
    /// </summary>
    public static StackPlan Plan(
        string templatePath,
        string region,
        string accountId,
        IReadOnlyDictionary<string, string> overrides,
        IReadOnlyDictionary<string, string> localDefaults) =>
        new StackPlanner(new TemplateScope(templatePath, region, accountId, overrides, localDefaults)).Build();

    private StackPlan Build()
    {
        foreach (var (id, type, props) in ActiveResources())
        {
            PlanResource(id, type, props);
        }
        MessagingPlanner.Attach(topics, subscriptions);
        FunctionPlanner.Attach(functions, invokeConfigs);
        EventBridgePlanner.Check(rules, queues);
        return new StackPlan
        {
            TemplatePath = scope.TemplatePath,
            Region = scope.Region,
            AccountId = scope.AccountId,
            Parameters = TemplateParameters.AsStrings(scope.Parameters),
            Buses = buses,
            Topics = topics,
            Queues = queues,
            LogGroups = logGroups,
            Tables = tables,
            BusPolicies = busPolicies,
            Functions = functions,
            StateMachines = machines,
            Rules = rules,
            Ignored = ignored,
        };
    }

    /// <summary>
    /// The resources to create: their condition holds, their type is not ignored, and every attribute
    /// and property is one the local stack understands. Functions come with Globals merged in.
    /// </summary>
    private List<(string Id, string Type, JsonObject Props)> ActiveResources()
    {
        var active = new List<(string Id, string Type, JsonObject Props)>();
        foreach (var (id, node) in scope.Resources)
        {
            var body = node as JsonObject ?? throw new TemplateError($"resource {id}: must be a mapping");
            var type = body["Type"]?.GetValue<string>() ?? throw new TemplateError($"resource {id}: no Type");
            if (body["Condition"] is { } cond && !scope.Condition(cond.GetValue<string>()))
            {
                continue;
            }
            foreach (var key in body.Select(p => p.Key).Where(k => !SupportedResources.IsSupportedAttribute(k)))
            {
                throw new TemplateError(
                    $"resource {id} ({type}): attribute '{key}' is not supported by the local stack");
            }
            if (SupportedResources.IgnoredTypes.Contains(type))
            {
                ignored.Add($"{id} ({type})");
                continue;
            }
            if (!SupportedResources.Properties.TryGetValue(type, out var known))
            {
                throw new TemplateError($"resource {id}: type {type} is not supported by the local stack "
                    + $"(supported: {string.Join(", ", SupportedResources.Properties.Keys)}; "
                    + $"ignored: {string.Join(", ", SupportedResources.IgnoredTypes)})");
            }
            var props = body["Properties"] as JsonObject ?? [];
            if (type == "AWS::Serverless::Function")
            {
                props = SamGlobals.MergeIntoFunction(scope.Template, props);
            }
            var unknown = props.Select(p => p.Key).Where(k => !known.Used.Contains(k) && !known.Ignored.Contains(k));
            foreach (var key in unknown)
            {
                throw new TemplateError(
                    $"resource {id} ({type}): property '{key}' is not supported by the local stack");
            }
            active.Add((id, type, props));
        }
        return active;
    }

    private void PlanResource(string id, string type, JsonObject props)
    {
        var identity = scope.Names.Identity(id, id)!;
        var at = $"resource {id} ({type})";
        switch (type)
        {
            case "AWS::Events::EventBus":
                buses.Add(EventBridgePlanner.Bus(id, identity));
                break;
            case "AWS::Events::EventBusPolicy":
                busPolicies.Add(eventBridgePlanner.BusPolicy(id, props, at));
                break;
            case "AWS::Events::Rule":
                rules.Add(eventBridgePlanner.Rule(identity, props, at));
                break;
            case "AWS::SNS::Topic":
                topics.Add(messagingPlanner.Topic(id, identity, props, at));
                break;
            case "AWS::SNS::Subscription":
                subscriptions.Add(messagingPlanner.Subscription(props, at));
                break;
            case "AWS::SQS::Queue":
                queues.Add(messagingPlanner.Queue(id, identity, props, at));
                break;
            case "AWS::Logs::LogGroup":
                var retention = props["RetentionInDays"] is { } r ? scope.Number(r, at) : (int?)null;
                logGroups.Add(new LogGroupPlan(id, identity.Ref, retention));
                break;
            case "AWS::Serverless::Function":
                functions.Add(functionPlanner.Function(id, identity, props, at));
                var functionArn = identity.Attributes["Arn"];
                rules.AddRange(eventBridgePlanner.SamEvents(id, functionArn, TargetKind.Function, props["Events"], at));
                break;
            case "AWS::Lambda::EventInvokeConfig":
                invokeConfigs[scope.Text(props["FunctionName"], at)] = functionPlanner.InvokeConfig(props, at);
                break;
            case "AWS::Serverless::StateMachine":
                machines.Add(stateMachinePlanner.StateMachine(id, identity, props, at));
                var events = props["Events"];
                rules.AddRange(eventBridgePlanner.SamEvents(id, identity.Ref, TargetKind.StateMachine, events, at));
                break;
            case "AWS::DynamoDB::Table":
                tables.Add(tablePlanner.Table(id, identity, props, at));
                break;
        }
    }
}
