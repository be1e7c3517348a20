using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// Turns template.yaml into a <see cref="StackPlan"/> without touching AWS: resolves parameters,
/// conditions, Globals and intrinsic functions, names every resource as the local stack will
/// create it, and rejects whatever it does not understand (a resource type, a property, an event
/// type) with an error naming the resource. Nothing is silently skipped; resources with no local
/// meaning (IAM and the like) are ignored by an explicit list.
/// </summary>
public sealed class StackPlanner
{
    /// <summary>Resource types with no effect locally: moto checks no permissions, and alarms or dashboards have nothing to watch.</summary>
    public static readonly IReadOnlySet<string> IgnoredTypes = new HashSet<string>
    {
        "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::Lambda::Permission",
        "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy",
        "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard",
        // Counts Step Functions log entries, which the local stack does not deliver (README: not done).
        "AWS::Logs::MetricFilter",
    };

    private static readonly Dictionary<string, (string[] Used, string[] Ignored)> KnownProperties = new()
    {
        ["AWS::Serverless::Function"] = (
            ["Handler", "FunctionName", "Environment", "Events", "EventInvokeConfig", "Timeout"],
            ["Runtime", "CodeUri", "MemorySize", "Architectures", "Tracing", "Policies", "Role", "Description",
             "Tags", "LoggingConfig", "ReservedConcurrentExecutions", "AutoPublishAlias", "Layers", "PermissionsBoundary",
             "RuntimeManagementConfig", "SnapStart", "EphemeralStorage", "KmsKeyArn", "RolePath", "PropagateTags", "ProvisionedConcurrencyConfig"]),
        ["AWS::Serverless::StateMachine"] = (
            ["DefinitionUri", "Definition", "DefinitionSubstitutions", "Name", "Type", "Events", "Role"],
            ["Policies", "Logging", "Tracing", "Tags", "PermissionsBoundary", "RolePath", "PropagateTags"]),
        ["AWS::Events::EventBus"] = (["Name"], ["Tags", "Description"]),
        ["AWS::Events::EventBusPolicy"] = (["EventBusName", "Statement"], ["StatementId"]),
        ["AWS::Events::Rule"] = (["Name", "EventBusName", "EventPattern", "ScheduleExpression", "State", "Targets"], ["Description", "RoleArn"]),
        ["AWS::SNS::Topic"] = (["TopicName", "Subscription"], ["Tags", "DisplayName", "KmsMasterKeyId"]),
        ["AWS::SNS::Subscription"] = (["TopicArn", "Protocol", "Endpoint"], []),
        ["AWS::SQS::Queue"] = (["QueueName", "VisibilityTimeout", "MessageRetentionPeriod"], ["Tags", "KmsMasterKeyId", "SqsManagedSseEnabled"]),
        ["AWS::Logs::LogGroup"] = (["LogGroupName", "RetentionInDays"], ["Tags", "KmsKeyId"]),
        ["AWS::Lambda::EventInvokeConfig"] = (["FunctionName", "Qualifier", "MaximumRetryAttempts", "DestinationConfig"], ["MaximumEventAgeInSeconds"]),
        ["AWS::DynamoDB::Table"] = (
            ["TableName", "KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes", "DeletionProtectionEnabled",
             "PointInTimeRecoverySpecification", "TimeToLiveSpecification"],
            ["SSESpecification", "Tags", "ContributorInsightsSpecification"]),
    };

    private static readonly string[] TopLevelKeys =
        ["AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters", "Mappings", "Conditions", "Globals", "Resources", "Outputs"];

    private readonly string templatePath;
    private readonly string region;
    private readonly string accountId;
    private readonly JsonObject template;
    private readonly JsonObject resources;
    private readonly Dictionary<string, JsonNode?> parameters = new();
    private readonly Dictionary<string, bool?> conditions = new();
    private readonly Dictionary<string, ResourceIdentity> identities = new();
    private readonly HashSet<string> resolvingIdentity = new();
    private readonly IntrinsicResolver resolver;

    private StackPlanner(string templatePath, string region, string accountId, IReadOnlyDictionary<string, string> overrides, IReadOnlyDictionary<string, string> localDefaults)
    {
        this.templatePath = Path.GetFullPath(templatePath);
        this.region = region;
        this.accountId = accountId;
        template = TemplateReader.ReadFile(this.templatePath);
        foreach (var key in template.Select(p => p.Key).Where(k => !TopLevelKeys.Contains(k)))
        {
            throw new TemplateError($"{templatePath}: top-level section '{key}' is not supported by the local stack");
        }
        resources = template["Resources"] as JsonObject ?? throw new TemplateError($"{templatePath}: no Resources");
        ResolveParameters(overrides, localDefaults);
        resolver = new IntrinsicResolver(parameters, template["Mappings"] as JsonObject ?? [], Condition, Identity);
    }

    /// <summary>
    /// Plans the stack. <paramref name="overrides"/> are <c>--parameter-overrides</c> (win over
    /// everything); <paramref name="localDefaults"/> are the local stack's defaults (from the world),
    /// used instead of the template's defaults.
    /// </summary>
    public static StackPlan Plan(string templatePath, string region, string accountId, IReadOnlyDictionary<string, string> overrides, IReadOnlyDictionary<string, string> localDefaults) =>
        new StackPlanner(templatePath, region, accountId, overrides, localDefaults).Build();

    private StackPlan Build()
    {
        var active = new List<(string Id, string Type, JsonObject Props)>();
        var ignored = new List<string>();
        foreach (var (id, node) in resources)
        {
            var body = node as JsonObject ?? throw new TemplateError($"resource {id}: must be a mapping");
            var type = body["Type"]?.GetValue<string>() ?? throw new TemplateError($"resource {id}: no Type");
            if (body["Condition"] is { } cond && !Condition(cond.GetValue<string>()))
            {
                continue;
            }
            foreach (var key in body.Select(p => p.Key).Where(k => k is not ("Type" or "Properties" or "Condition" or "DependsOn" or "Metadata" or "DeletionPolicy" or "UpdateReplacePolicy")))
            {
                throw new TemplateError($"resource {id} ({type}): attribute '{key}' is not supported by the local stack");
            }
            if (IgnoredTypes.Contains(type))
            {
                ignored.Add($"{id} ({type})");
                continue;
            }
            if (!KnownProperties.TryGetValue(type, out var known))
            {
                throw new TemplateError($"resource {id}: type {type} is not supported by the local stack (supported: {string.Join(", ", KnownProperties.Keys)}; ignored: {string.Join(", ", IgnoredTypes)})");
            }
            var props = body["Properties"] as JsonObject ?? [];
            if (type == "AWS::Serverless::Function")
            {
                props = MergeFunctionGlobals(props);
            }
            foreach (var key in props.Select(p => p.Key).Where(k => !known.Used.Contains(k) && !known.Ignored.Contains(k)))
            {
                throw new TemplateError($"resource {id} ({type}): property '{key}' is not supported by the local stack");
            }
            active.Add((id, type, props));
        }

        var buses = new List<BusPlan>();
        var topics = new List<TopicPlan>();
        var queues = new List<QueuePlan>();
        var logGroups = new List<LogGroupPlan>();
        var functions = new List<FunctionPlan>();
        var machines = new List<StateMachinePlan>();
        var rules = new List<RulePlan>();
        var invokeConfigs = new Dictionary<string, InvokeConfigPlan>();
        var subscriptions = new List<(string TopicArn, SubscriptionPlan Subscription)>();
        var tables = new List<TablePlan>();
        var busPolicies = new List<BusPolicyPlan>();

        foreach (var (id, type, props) in active)
        {
            var identity = Identity(id, id)!;
            var at = $"resource {id} ({type})";
            switch (type)
            {
                case "AWS::Events::EventBus":
                    buses.Add(new BusPlan(id, identity.Ref, identity.Attributes["Arn"]));
                    break;
                case "AWS::SNS::Topic":
                    var subs = (Resolve(props["Subscription"], at) as JsonArray ?? [])
                        .Select(s => new SubscriptionPlan(Str(s?["Protocol"], at), Str(s?["Endpoint"], at))).ToList();
                    topics.Add(new TopicPlan(id, identity.Attributes["TopicName"], identity.Ref, subs));
                    break;
                case "AWS::SNS::Subscription":
                    subscriptions.Add((Str(props["TopicArn"], at), new SubscriptionPlan(Str(props["Protocol"], at), Str(props["Endpoint"], at))));
                    break;
                case "AWS::SQS::Queue":
                    var attributes = new Dictionary<string, string>();
                    foreach (var name in new[] { "VisibilityTimeout", "MessageRetentionPeriod" })
                    {
                        if (props[name] is { } value)
                        {
                            attributes[name] = Str(value, at);
                        }
                    }
                    queues.Add(new QueuePlan(id, identity.Attributes["QueueName"], identity.Attributes["Arn"], attributes));
                    break;
                case "AWS::Logs::LogGroup":
                    logGroups.Add(new LogGroupPlan(id, identity.Ref, props["RetentionInDays"] is { } r ? int.Parse(Str(r, at), System.Globalization.CultureInfo.InvariantCulture) : null));
                    break;
                case "AWS::Serverless::Function":
                    functions.Add(PlanFunction(id, identity, props, at));
                    rules.AddRange(PlanEvents(id, identity.Attributes["Arn"], TargetKind.Function, props["Events"], at));
                    break;
                case "AWS::Serverless::StateMachine":
                    machines.Add(PlanStateMachine(id, identity, props, at));
                    rules.AddRange(PlanEvents(id, identity.Ref, TargetKind.StateMachine, props["Events"], at));
                    break;
                case "AWS::Events::Rule":
                    rules.Add(PlanRule(id, identity, props, at));
                    break;
                case "AWS::Events::EventBusPolicy":
                    var statement = Resolve(props["Statement"], $"{at}.Statement") as JsonObject
                        ?? throw new TemplateError($"{at}: Statement (one policy statement) is required locally");
                    busPolicies.Add(new BusPolicyPlan(id, BusName(Str(props["EventBusName"], at)), statement.ToJsonString()));
                    break;
                case "AWS::DynamoDB::Table":
                    tables.Add(PlanTable(id, identity, props, at));
                    break;
                case "AWS::Lambda::EventInvokeConfig":
                    var function = Str(props["FunctionName"], at);
                    invokeConfigs[function] = InvokeConfig(props, at);
                    break;
            }
        }

        foreach (var (topicArn, subscription) in subscriptions)
        {
            var index = topics.FindIndex(t => t.Arn == topicArn || t.Name == topicArn);
            if (index < 0)
            {
                throw new TemplateError($"AWS::SNS::Subscription: topic {topicArn} is not in the template");
            }
            topics[index] = topics[index] with { Subscriptions = [.. topics[index].Subscriptions, subscription] };
        }
        for (var i = 0; i < functions.Count; i++)
        {
            if (invokeConfigs.TryGetValue(functions[i].Name, out var config) || invokeConfigs.TryGetValue(functions[i].Arn, out config))
            {
                functions[i] = functions[i] with { InvokeConfig = config };
            }
        }
        foreach (var key in invokeConfigs.Keys.Where(k => !functions.Any(f => f.Name == k || f.Arn == k)))
        {
            throw new TemplateError($"AWS::Lambda::EventInvokeConfig: function {key} is not in the template");
        }
        foreach (var rule in rules)
        {
            foreach (var target in rule.Targets.Where(t => t.DeadLetterArn is not null && !queues.Any(q => q.Arn == t.DeadLetterArn)))
            {
                throw new TemplateError($"{rule.DefinedBy}: DeadLetterConfig.Arn {target.DeadLetterArn} is not a queue of this template");
            }
        }
        var duplicate = rules.GroupBy(r => (r.BusName, r.Name)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new TemplateError($"two rules are named {duplicate.Key.Name} on bus {duplicate.Key.BusName} ({string.Join(", ", duplicate.Select(r => r.DefinedBy))})");
        }

        return new StackPlan
        {
            TemplatePath = templatePath,
            Region = region,
            AccountId = accountId,
            Parameters = parameters.ToDictionary(p => p.Key, p => p.Value is JsonArray a ? string.Join(",", a.Select(x => IntrinsicResolver.AsString(x, p.Key))) : IntrinsicResolver.AsString(p.Value, p.Key)),
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

    private FunctionPlan PlanFunction(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        var environment = new Dictionary<string, string>();
        if (props["Environment"] is JsonObject env)
        {
            foreach (var key in env.Select(p => p.Key).Where(k => k != "Variables"))
            {
                throw new TemplateError($"{at}: Environment.{key} is not supported by the local stack");
            }
            foreach (var (name, value) in Resolve(env["Variables"], $"{at}.Environment") as JsonObject ?? [])
            {
                environment[name] = IntrinsicResolver.AsString(value, $"{at}.Environment.Variables.{name}");
            }
        }
        var config = props["EventInvokeConfig"] is JsonObject eic ? InvokeConfig(eic, $"{at}.EventInvokeConfig") : InvokeConfigPlan.Default;
        // SAM's default timeout is 3 seconds.
        var timeout = props["Timeout"] is { } t ? int.Parse(Str(t, $"{at}.Timeout"), System.Globalization.CultureInfo.InvariantCulture) : 3;
        return new FunctionPlan(id, identity.Ref, identity.Attributes["Arn"], Str(props["Handler"], $"{at}.Handler"), environment, config) { TimeoutSeconds = timeout };
    }

    private InvokeConfigPlan InvokeConfig(JsonObject props, string at)
    {
        var retries = props["MaximumRetryAttempts"] is { } m ? int.Parse(Str(m, at), System.Globalization.CultureInfo.InvariantCulture) : 2;
        string? Destination(string outcome)
        {
            if (props["DestinationConfig"]?[outcome] is not JsonObject d)
            {
                return null;
            }
            foreach (var key in d.Select(p => p.Key).Where(k => k is not ("Type" or "Destination")))
            {
                throw new TemplateError($"{at}.DestinationConfig.{outcome}: property '{key}' is not supported by the local stack");
            }
            return d["Destination"] is { } dest
                ? Str(dest, $"{at}.DestinationConfig.{outcome}")
                : throw new TemplateError($"{at}.DestinationConfig.{outcome}: the local stack needs an explicit Destination ARN");
        }
        return new InvokeConfigPlan(retries, Destination("OnSuccess"), Destination("OnFailure"));
    }

    private StateMachinePlan PlanStateMachine(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        string definition;
        if (props["DefinitionUri"] is { } uri)
        {
            var relative = uri is JsonValue ? Str(uri, at) : throw new TemplateError($"{at}: DefinitionUri must be a local file path");
            var file = Path.Combine(Path.GetDirectoryName(templatePath)!, relative);
            definition = File.Exists(file) ? File.ReadAllText(file) : throw new TemplateError($"{at}: DefinitionUri {relative} not found ({file})");
        }
        else if (props["Definition"] is JsonObject inline)
        {
            definition = Resolve(inline, $"{at}.Definition")!.ToJsonString();
        }
        else
        {
            throw new TemplateError($"{at}: needs DefinitionUri or Definition");
        }
        var substitutions = new Dictionary<string, string>();
        foreach (var (key, value) in Resolve(props["DefinitionSubstitutions"], $"{at}.DefinitionSubstitutions") as JsonObject ?? [])
        {
            substitutions[key] = IntrinsicResolver.AsString(value, $"{at}.DefinitionSubstitutions.{key}");
        }
        definition = SubstituteDefinition(definition, substitutions, at);
        var role = props["Role"] is { } r ? Str(r, at) : $"arn:aws:iam::{accountId}:role/{id}Role";
        var type = props["Type"] is { } t ? Str(t, at) : "STANDARD";
        return new StateMachinePlan(id, identity.Attributes["Name"], identity.Ref, definition, type, role);
    }

    /// <summary>Replaces every <c>${Key}</c>; an undefined key is an error (AWS would fail the deploy too).</summary>
    internal static string SubstituteDefinition(string definition, IReadOnlyDictionary<string, string> substitutions, string at)
    {
        var result = new System.Text.StringBuilder();
        var i = 0;
        while (true)
        {
            var start = definition.IndexOf("${", i, StringComparison.Ordinal);
            if (start < 0)
            {
                result.Append(definition, i, definition.Length - i);
                return result.ToString();
            }
            var end = definition.IndexOf('}', start);
            var key = end < 0 ? "" : definition[(start + 2)..end];
            if (!substitutions.TryGetValue(key, out var value))
            {
                throw new TemplateError($"{at}: the definition uses ${{{key}}} but DefinitionSubstitutions does not define it");
            }
            result.Append(definition, i, start - i).Append(value);
            i = end + 1;
        }
    }

    private IEnumerable<RulePlan> PlanEvents(string id, string targetArn, TargetKind kind, JsonNode? events, string at)
    {
        foreach (var (eventName, node) in events as JsonObject ?? [])
        {
            var where = $"{at}.Events.{eventName}";
            var type = Str(node?["Type"], where);
            var props = node?["Properties"] as JsonObject ?? [];
            string[] allowed = type switch
            {
                "EventBridgeRule" => ["Pattern", "EventBusName", "RuleName", "Input", "InputPath", "State", "Target", "RetryPolicy", "DeadLetterConfig"],
                "Schedule" => ["Schedule", "Input", "Enabled", "State", "Name", "Description", "RetryPolicy", "DeadLetterConfig"],
                _ => throw new TemplateError($"{where}: event type {type} is not supported by the local stack (supported: EventBridgeRule, Schedule)"),
            };
            foreach (var key in props.Select(p => p.Key).Where(k => !allowed.Contains(k)))
            {
                throw new TemplateError($"{where}: property '{key}' is not supported by the local stack");
            }
            var input = props["Input"] is { } i ? Str(i, where) : null;
            var inputPath = props["InputPath"] is { } ip ? Str(ip, where) : null;
            var targetId = props["Target"]?["Id"] is { } tid ? Str(tid, where) : $"{id}{eventName}Target";
            var enabled = (props["State"] is not { } state || Str(state, where) == "ENABLED")
                && (props["Enabled"] is not { } en || Str(en, where) == "true");
            var target = WithDelivery(new TargetPlan(targetId, targetArn, kind, input, inputPath), props, where);
            if (type == "EventBridgeRule")
            {
                var bus = props["EventBusName"] is { } b ? BusName(Str(b, where)) : "default";
                var name = props["RuleName"] is { } rn ? Str(rn, where) : Truncate($"{id}{eventName}", 64);
                var pattern = Resolve(props["Pattern"], where) as JsonObject ?? throw new TemplateError($"{where}: Pattern is required");
                yield return new RulePlan(name, RuleArn(bus, name), bus, pattern.ToJsonString(), null, enabled, [target], where);
            }
            else
            {
                var name = props["Name"] is { } n ? Str(n, where) : Truncate($"{id}{eventName}", 64);
                yield return new RulePlan(name, RuleArn("default", name), "default", null, Str(props["Schedule"], where), enabled, [target], where);
            }
        }
    }

    private RulePlan PlanRule(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        var bus = props["EventBusName"] is { } b ? BusName(Str(b, at)) : "default";
        var pattern = props["EventPattern"] is { } p ? (Resolve(p, at) is JsonValue v ? Str(v, at) : Resolve(p, at)!.ToJsonString()) : null;
        var schedule = props["ScheduleExpression"] is { } s ? Str(s, at) : null;
        if ((pattern is null) == (schedule is null))
        {
            throw new TemplateError($"{at}: needs exactly one of EventPattern or ScheduleExpression");
        }
        var targets = new List<TargetPlan>();
        foreach (var (node, index) in (props["Targets"] as JsonArray ?? []).Select((n, i) => (n, i)))
        {
            var where = $"{at}.Targets[{index}]";
            var target = Resolve(node, where) as JsonObject ?? throw new TemplateError($"{where}: must be a mapping");
            foreach (var key in target.Select(x => x.Key).Where(k => k is not ("Id" or "Arn" or "Input" or "InputPath" or "RoleArn" or "RetryPolicy" or "DeadLetterConfig")))
            {
                throw new TemplateError($"{where}: property '{key}' is not supported by the local stack");
            }
            var arn = Str(target["Arn"], where);
            targets.Add(WithDelivery(new TargetPlan(Str(target["Id"], where), arn, KindOf(arn), target["Input"] is { } i ? Str(i, where) : null, target["InputPath"] is { } ip ? Str(ip, where) : null), target, where));
        }
        var enabled = props["State"] is not { } state || Str(state, at) == "ENABLED";
        return new RulePlan(identity.Ref, identity.Attributes["Arn"], bus, pattern, schedule, enabled, targets, at);
    }

    /// <summary>
    /// A target's RetryPolicy and DeadLetterConfig (rule target or SAM event: same shape). The
    /// dead-letter queue must be given by ARN; SAM's <c>Type: SQS</c> (a queue SAM creates) is
    /// not supported locally, so the template says which queue it is.
    /// </summary>
    private TargetPlan WithDelivery(TargetPlan target, JsonObject props, string where)
    {
        if (Resolve(props["RetryPolicy"], $"{where}.RetryPolicy") is JsonObject retry)
        {
            foreach (var key in retry.Select(p => p.Key).Where(k => k is not ("MaximumRetryAttempts" or "MaximumEventAgeInSeconds")))
            {
                throw new TemplateError($"{where}.RetryPolicy: property '{key}' is not supported (MaximumRetryAttempts, MaximumEventAgeInSeconds)");
            }
            target = target with
            {
                RetryPolicy = new RetryPolicyPlan(
                    retry["MaximumRetryAttempts"] is { } attempts ? IntIn(Str(attempts, where), 0, 185, $"{where}.RetryPolicy.MaximumRetryAttempts") : RetryPolicyPlan.Default.MaximumRetryAttempts,
                    retry["MaximumEventAgeInSeconds"] is { } age ? IntIn(Str(age, where), 60, 86400, $"{where}.RetryPolicy.MaximumEventAgeInSeconds") : RetryPolicyPlan.Default.MaximumEventAgeInSeconds),
            };
        }
        if (Resolve(props["DeadLetterConfig"], $"{where}.DeadLetterConfig") is JsonObject deadLetter)
        {
            if (deadLetter.Any(p => p.Key != "Arn") || deadLetter["Arn"] is null)
            {
                throw new TemplateError($"{where}.DeadLetterConfig: give the queue as Arn (an AWS::SQS::Queue of this template); {string.Join(", ", deadLetter.Select(p => p.Key).Where(k => k != "Arn"))} is not supported by the local stack");
            }
            target = target with { DeadLetterArn = Str(deadLetter["Arn"], where) };
        }
        return target;
    }

    private static int IntIn(string text, int min, int max, string where) =>
        int.TryParse(text, out var value) && value >= min && value <= max
            ? value
            : throw new TemplateError($"{where}: '{text}' is not a whole number from {min} to {max}");

    private static TargetKind KindOf(string arn) => arn.Split(':') switch
    {
        [_, _, "states", ..] => TargetKind.StateMachine,
        [_, _, "lambda", ..] => TargetKind.Function,
        [_, _, "sns", ..] => TargetKind.Topic,
        _ => TargetKind.Native,
    };

    private JsonObject MergeFunctionGlobals(JsonObject props)
    {
        if (template["Globals"] is not JsonObject globals)
        {
            return props;
        }
        foreach (var key in globals.Select(g => g.Key).Where(k => k is not ("Function" or "StateMachine")))
        {
            throw new TemplateError($"Globals.{key} is not supported by the local stack");
        }
        if (globals["StateMachine"] is JsonObject { Count: > 0 })
        {
            throw new TemplateError("Globals.StateMachine is not supported by the local stack");
        }
        if (globals["Function"] is not JsonObject function)
        {
            return props;
        }
        // SAM merges Globals into each function; maps (Environment.Variables) merge key by key, the function wins.
        var merged = (JsonObject)function.DeepClone();
        foreach (var (key, value) in props)
        {
            if (key == "Environment" && merged["Environment"]?["Variables"] is JsonObject globalVars && value?["Variables"] is JsonObject ownVars)
            {
                foreach (var (name, v) in ownVars)
                {
                    globalVars[name] = v?.DeepClone();
                }
            }
            else
            {
                merged[key] = value?.DeepClone();
            }
        }
        return merged;
    }

    private void ResolveParameters(IReadOnlyDictionary<string, string> overrides, IReadOnlyDictionary<string, string> localDefaults)
    {
        var declared = template["Parameters"] as JsonObject ?? [];
        foreach (var name in overrides.Keys.Where(k => !declared.ContainsKey(k)))
        {
            throw new TemplateError($"--parameter-overrides: the template has no parameter '{name}' (it has: {string.Join(", ", declared.Select(p => p.Key))})");
        }
        foreach (var (name, node) in declared)
        {
            var type = node?["Type"]?.GetValue<string>() ?? "String";
            string? value = overrides.TryGetValue(name, out var o) ? o
                : localDefaults.TryGetValue(name, out var d) ? d
                : node?["Default"] is { } def ? IntrinsicResolver.AsString(def, $"Parameters.{name}.Default")
                : null;
            if (value is null)
            {
                throw new TemplateError($"parameter {name} has no default: pass it with --parameter-overrides {name}=...");
            }
            if (node?["AllowedValues"] is JsonArray allowed && !allowed.Any(a => IntrinsicResolver.AsString(a, name) == value))
            {
                throw new TemplateError($"parameter {name}: '{value}' is not one of {string.Join(", ", allowed.Select(a => IntrinsicResolver.AsString(a, name)))}");
            }
            if (node?["AllowedPattern"] is JsonValue pattern && !System.Text.RegularExpressions.Regex.IsMatch(value, $"^(?:{pattern.GetValue<string>()})$"))
            {
                throw new TemplateError($"parameter {name}: '{value}' does not match {pattern.GetValue<string>()}");
            }
            parameters[name] = type.StartsWith("List<", StringComparison.Ordinal) || type == "CommaDelimitedList"
                ? new JsonArray(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => (JsonNode)JsonValue.Create(v)).ToArray())
                : JsonValue.Create(value);
        }
        parameters["AWS::AccountId"] = JsonValue.Create(accountId);
        parameters["AWS::Region"] = JsonValue.Create(region);
        parameters["AWS::Partition"] = JsonValue.Create("aws");
        parameters["AWS::URLSuffix"] = JsonValue.Create("amazonaws.com");
        parameters["AWS::StackName"] = JsonValue.Create("peering-automation");
        parameters["AWS::StackId"] = JsonValue.Create($"arn:aws:cloudformation:{region}:{accountId}:stack/peering-automation/local");
        parameters["AWS::NoValue"] = JsonValue.Create(IntrinsicResolver.NoValue);
    }

    private bool Condition(string name)
    {
        if (conditions.TryGetValue(name, out var known))
        {
            return known ?? throw new TemplateError($"condition {name} refers to itself");
        }
        var definition = template["Conditions"]?[name] ?? throw new TemplateError($"unknown condition '{name}'");
        conditions[name] = null;
        var value = resolver.Evaluate(definition, $"Conditions.{name}");
        conditions[name] = value;
        return value;
    }

    /// <summary>Names a resource as the local stack creates it: its name property, else its logical id.</summary>
    private ResourceIdentity? Identity(string logicalId, string at)
    {
        if (identities.TryGetValue(logicalId, out var known))
        {
            return known;
        }
        if (logicalId.EndsWith(".Alias", StringComparison.Ordinal) && FunctionAlias(logicalId[..^".Alias".Length], at) is { } alias)
        {
            identities[logicalId] = alias;
            return alias;
        }
        if (resources[logicalId] is not JsonObject body)
        {
            // SAM's implicit role of a function or state machine (FunctionRole) may be referenced.
            return logicalId.EndsWith("Role", StringComparison.Ordinal) && resources.ContainsKey(logicalId[..^4])
                ? new ResourceIdentity(logicalId, "AWS::IAM::Role", logicalId, new Dictionary<string, string> { ["Arn"] = $"arn:aws:iam::{accountId}:role/{logicalId}" })
                : null;
        }
        if (!resolvingIdentity.Add(logicalId))
        {
            throw new TemplateError($"{at}: resource {logicalId}'s name depends on itself");
        }
        var type = body["Type"]?.GetValue<string>() ?? "";
        var props = body["Properties"] as JsonObject ?? [];
        string NameFrom(string property) => props[property] is { } n ? Str(n, $"resource {logicalId}.{property}") : logicalId;
        var a = $"{region}:{accountId}";
        ResourceIdentity Make(string reference, params (string Key, string Value)[] attributes) =>
            new(logicalId, type, reference, attributes.ToDictionary(x => x.Key, x => x.Value));
        var identity = type switch
        {
            "AWS::Serverless::Function" => NameFrom("FunctionName") is var fn ? Make(fn, ("Arn", $"arn:aws:lambda:{a}:function:{fn}")) : null,
            "AWS::Serverless::StateMachine" => NameFrom("Name") is var sm ? Make($"arn:aws:states:{a}:stateMachine:{sm}", ("Arn", $"arn:aws:states:{a}:stateMachine:{sm}"), ("Name", sm)) : null,
            "AWS::Events::EventBus" => NameFrom("Name") is var bus ? Make(bus, ("Arn", $"arn:aws:events:{a}:event-bus/{bus}"), ("Name", bus)) : null,
            "AWS::Events::Rule" => NameFrom("Name") is var rule ? Make(rule, ("Arn", RuleArn(props["EventBusName"] is { } b ? BusName(Str(b, at)) : "default", rule))) : null,
            "AWS::SNS::Topic" => NameFrom("TopicName") is var topic ? Make($"arn:aws:sns:{a}:{topic}", ("TopicArn", $"arn:aws:sns:{a}:{topic}"), ("TopicName", topic)) : null,
            "AWS::SQS::Queue" => NameFrom("QueueName") is var q ? Make($"http://sqs.{region}.localhost/{accountId}/{q}", ("Arn", $"arn:aws:sqs:{a}:{q}"), ("QueueName", q), ("QueueUrl", $"http://sqs.{region}.localhost/{accountId}/{q}")) : null,
            "AWS::Logs::LogGroup" => NameFrom("LogGroupName") is var lg ? Make(lg, ("Arn", $"arn:aws:logs:{a}:log-group:{lg}:*")) : null,
            "AWS::DynamoDB::Table" => NameFrom("TableName") is var table ? Make(table, ("Arn", $"arn:aws:dynamodb:{a}:table/{table}")) : null,
            "AWS::IAM::Role" => NameFrom("RoleName") is var role ? Make(role, ("Arn", $"arn:aws:iam::{accountId}:role/{role}"), ("RoleId", role)) : null,
            "AWS::IAM::ManagedPolicy" => NameFrom("ManagedPolicyName") is var mp ? Make($"arn:aws:iam::{accountId}:policy/{mp}", ("PolicyArn", $"arn:aws:iam::{accountId}:policy/{mp}")) : null,
            _ => Make(logicalId),
        };
        resolvingIdentity.Remove(logicalId);
        identities[logicalId] = identity!;
        return identity;
    }

    /// <summary>
    /// SAM's <c>!Ref Function.Alias</c> (a function with <c>AutoPublishAlias</c>, itself or through Globals): the
    /// alias's ARN, <c>arn:aws:lambda:region:account:function:name:alias</c>. The local stack has no versions or
    /// snapshots: its Invoke API runs the function for any qualifier, so the alias ARN reaches the same handler.
    /// </summary>
    private ResourceIdentity? FunctionAlias(string functionId, string at)
    {
        if (resources[functionId] is not JsonObject { } body || body["Type"]?.GetValue<string>() != "AWS::Serverless::Function")
        {
            return null;
        }
        var merged = MergeFunctionGlobals(body["Properties"] as JsonObject ?? []);
        if (merged["AutoPublishAlias"] is not { } aliasName)
        {
            throw new TemplateError($"{at}: {functionId}.Alias needs AutoPublishAlias on {functionId} (or in Globals.Function)");
        }
        var function = Identity(functionId, at)!;
        var arn = $"{function.Attributes["Arn"]}:{Str(aliasName, at)}";
        return new ResourceIdentity(functionId + ".Alias", "AWS::Lambda::Alias", arn, new Dictionary<string, string> { ["Arn"] = arn });
    }

    /// <summary>
    /// A DynamoDB table: the CreateTable call is the resolved properties themselves (same names), less
    /// the settings CloudFormation applies with other calls (point-in-time recovery, TTL).
    /// </summary>
    private TablePlan PlanTable(string id, ResourceIdentity identity, JsonObject props, string at)
    {
        var create = new JsonObject { ["TableName"] = identity.Ref };
        foreach (var name in new[] { "KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes", "DeletionProtectionEnabled" })
        {
            if (props[name] is { } value)
            {
                create[name] = Resolve(value, $"{at}.{name}")?.DeepClone();
            }
        }
        if (create["KeySchema"] is null || create["AttributeDefinitions"] is null)
        {
            throw new TemplateError($"{at}: KeySchema and AttributeDefinitions are required");
        }
        var pitr = Resolve(props["PointInTimeRecoverySpecification"], at)?["PointInTimeRecoveryEnabled"] is { } enabled
                   && IntrinsicResolver.AsString(enabled, at) == "true";
        var ttl = Resolve(props["TimeToLiveSpecification"], at) is JsonObject spec && spec["Enabled"] is { } on
                  && IntrinsicResolver.AsString(on, at) == "true" && spec["AttributeName"] is { } attribute
            ? Str(attribute, at)
            : null;
        return new TablePlan(id, identity.Ref, identity.Attributes["Arn"], create.ToJsonString(), pitr, ttl);
    }

    private string RuleArn(string bus, string rule) =>
        bus == "default" ? $"arn:aws:events:{region}:{accountId}:rule/{rule}" : $"arn:aws:events:{region}:{accountId}:rule/{bus}/{rule}";

    private static string BusName(string nameOrArn) => nameOrArn.Contains(":event-bus/", StringComparison.Ordinal) ? nameOrArn[(nameOrArn.IndexOf(":event-bus/", StringComparison.Ordinal) + 11)..] : nameOrArn;

    private static string Truncate(string text, int max) => text.Length > max ? text[..max] : text;

    private JsonNode? Resolve(JsonNode? node, string at) => resolver.Resolve(node, at);

    private string Str(JsonNode? node, string at) => resolver.ResolveString(node, at);
}
