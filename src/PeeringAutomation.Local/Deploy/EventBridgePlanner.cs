using System.Text.Json.Nodes;
using PeeringAutomation.Local.Template;

namespace PeeringAutomation.Local.Deploy;

/// <summary>
/// Plans EventBridge: buses, bus policies, <c>AWS::Events::Rule</c> and the rules SAM makes from a
/// function's or state machine's <c>Events</c> (<c>EventBridgeRule</c>, <c>Schedule</c>), with each
/// target's retry policy and dead-letter queue.
/// </summary>
internal sealed class EventBridgePlanner(TemplateScope scope)
{
    private static readonly string[] RuleEventProperties =
    [
        "Pattern", "EventBusName", "RuleName", "Input", "InputPath", "State", "Target", "RetryPolicy",
        "DeadLetterConfig",
    ];

    private static readonly string[] ScheduleEventProperties =
        ["Schedule", "Input", "Enabled", "State", "Name", "Description", "RetryPolicy", "DeadLetterConfig"];

    public static BusPlan Bus(string id, ResourceIdentity identity) =>
        new(id, identity.Ref, identity.Attributes["Arn"]);

    public BusPolicyPlan BusPolicy(string id, JsonObject props, string at)
    {
        var statement = scope.Resolve(props["Statement"], $"{at}.Statement") as JsonObject
            ?? throw new TemplateError($"{at}: Statement (one policy statement) is required locally");
        var bus = ResourceNames.BusName(scope.Text(props["EventBusName"], at));
        return new BusPolicyPlan(id, bus, statement.ToJsonString());
    }

    /// <summary>The rules SAM creates for a function's or state machine's <c>Events</c>.</summary>
    public IEnumerable<RulePlan> SamEvents(string id, string targetArn, TargetKind kind, JsonNode? events, string at)
    {
        foreach (var (eventName, node) in events as JsonObject ?? [])
        {
            var where = $"{at}.Events.{eventName}";
            var type = scope.Text(node?["Type"], where);
            var props = node?["Properties"] as JsonObject ?? [];
            var allowed = type switch
            {
                "EventBridgeRule" => RuleEventProperties,
                "Schedule" => ScheduleEventProperties,
                _ => throw new TemplateError($"{where}: event type {type} is not supported by the local stack "
                    + "(supported: EventBridgeRule, Schedule)"),
            };
            foreach (var key in props.Select(p => p.Key).Where(k => !allowed.Contains(k)))
            {
                throw new TemplateError($"{where}: property '{key}' is not supported by the local stack");
            }
            var input = props["Input"] is { } i ? scope.Text(i, where) : null;
            var inputPath = props["InputPath"] is { } ip ? scope.Text(ip, where) : null;
            var targetId = props["Target"]?["Id"] is { } tid ? scope.Text(tid, where) : $"{id}{eventName}Target";
            var enabled = (props["State"] is not { } state || scope.Text(state, where) == "ENABLED")
                && (props["Enabled"] is not { } en || scope.Text(en, where) == "true");
            var target = WithDelivery(new TargetPlan(targetId, targetArn, kind, input, inputPath), props, where);
            if (type == "EventBridgeRule")
            {
                var bus = props["EventBusName"] is { } b ? ResourceNames.BusName(scope.Text(b, where)) : "default";
                var name = props["RuleName"] is { } rn ? scope.Text(rn, where) : Truncate($"{id}{eventName}", 64);
                var pattern = scope.Resolve(props["Pattern"], where) as JsonObject
                    ?? throw new TemplateError($"{where}: Pattern is required");
                yield return new RulePlan(
                    name, scope.Names.RuleArn(bus, name), bus, pattern.ToJsonString(), null, enabled, [target], where);
            }
            else
            {
                var name = props["Name"] is { } n ? scope.Text(n, where) : Truncate($"{id}{eventName}", 64);
                var schedule = scope.Text(props["Schedule"], where);
                yield return new RulePlan(
                    name, scope.Names.RuleArn("default", name), "default", null, schedule, enabled, [target], where);
            }
        }
    }

    public RulePlan Rule(ResourceIdentity identity, JsonObject props, string at)
    {
        var bus = props["EventBusName"] is { } b ? ResourceNames.BusName(scope.Text(b, at)) : "default";
        var pattern = props["EventPattern"] is { } p
            ? (scope.Resolve(p, at) is JsonValue v ? scope.Text(v, at) : scope.Resolve(p, at)!.ToJsonString())
            : null;
        var schedule = props["ScheduleExpression"] is { } s ? scope.Text(s, at) : null;
        if ((pattern is null) == (schedule is null))
        {
            throw new TemplateError($"{at}: needs exactly one of EventPattern or ScheduleExpression");
        }
        var targets = new List<TargetPlan>();
        foreach (var (node, index) in (props["Targets"] as JsonArray ?? []).Select((n, i) => (n, i)))
        {
            var where = $"{at}.Targets[{index}]";
            var target = scope.Resolve(node, where) as JsonObject
                ?? throw new TemplateError($"{where}: must be a mapping");
            foreach (var key in target.Select(x => x.Key).Where(k => !IsTargetProperty(k)))
            {
                throw new TemplateError($"{where}: property '{key}' is not supported by the local stack");
            }
            var arn = scope.Text(target["Arn"], where);
            var input = target["Input"] is { } i ? scope.Text(i, where) : null;
            var inputPath = target["InputPath"] is { } ip ? scope.Text(ip, where) : null;
            var plan = new TargetPlan(scope.Text(target["Id"], where), arn, KindOf(arn), input, inputPath);
            targets.Add(WithDelivery(plan, target, where));
        }
        var enabled = props["State"] is not { } state || scope.Text(state, at) == "ENABLED";
        return new RulePlan(identity.Ref, identity.Attributes["Arn"], bus, pattern, schedule, enabled, targets, at);
    }

    /// <summary>
    /// Every dead-letter queue is one of the template's queues, and no two rules share a name on one bus.
    /// </summary>
    public static void Check(IReadOnlyList<RulePlan> rules, IReadOnlyList<QueuePlan> queues)
    {
        foreach (var rule in rules)
        {
            var unknown = rule.Targets
                .Where(t => t.DeadLetterArn is not null && !queues.Any(q => q.Arn == t.DeadLetterArn));
            foreach (var target in unknown)
            {
                throw new TemplateError(
                    $"{rule.DefinedBy}: DeadLetterConfig.Arn {target.DeadLetterArn} is not a queue of this template");
            }
        }
        var duplicate = rules.GroupBy(r => (r.BusName, r.Name)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new TemplateError($"two rules are named {duplicate.Key.Name} on bus {duplicate.Key.BusName} "
                + $"({string.Join(", ", duplicate.Select(r => r.DefinedBy))})");
        }
    }

    /// <summary>
    /// A target's RetryPolicy and DeadLetterConfig (rule target or SAM event: same shape). The
    /// dead-letter queue must be given by ARN; SAM's <c>Type: SQS</c> (a queue SAM creates) is
    /// not supported locally, so the template says which queue it is.
    /// </summary>
    private TargetPlan WithDelivery(TargetPlan target, JsonObject props, string where)
    {
        if (scope.Resolve(props["RetryPolicy"], $"{where}.RetryPolicy") is JsonObject retry)
        {
            var at = $"{where}.RetryPolicy";
            var unknown = retry.Select(p => p.Key)
                .Where(k => k is not ("MaximumRetryAttempts" or "MaximumEventAgeInSeconds"));
            foreach (var key in unknown)
            {
                throw new TemplateError(
                    $"{at}: property '{key}' is not supported (MaximumRetryAttempts, MaximumEventAgeInSeconds)");
            }
            var defaults = RetryPolicyPlan.Default;
            target = target with
            {
                RetryPolicy = new RetryPolicyPlan(
                    retry["MaximumRetryAttempts"] is { } attempts
                        ? IntIn(scope.Text(attempts, where), 0, 185, $"{at}.MaximumRetryAttempts")
                        : defaults.MaximumRetryAttempts,
                    retry["MaximumEventAgeInSeconds"] is { } age
                        ? IntIn(scope.Text(age, where), 60, 86400, $"{at}.MaximumEventAgeInSeconds")
                        : defaults.MaximumEventAgeInSeconds),
            };
        }
        if (scope.Resolve(props["DeadLetterConfig"], $"{where}.DeadLetterConfig") is JsonObject deadLetter)
        {
            if (deadLetter.Any(p => p.Key != "Arn") || deadLetter["Arn"] is null)
            {
                var others = string.Join(", ", deadLetter.Select(p => p.Key).Where(k => k != "Arn"));
                throw new TemplateError($"{where}.DeadLetterConfig: give the queue as Arn (an AWS::SQS::Queue of this "
                    + $"template); {others} is not supported by the local stack");
            }
            target = target with { DeadLetterArn = scope.Text(deadLetter["Arn"], where) };
        }
        return target;
    }

    private static bool IsTargetProperty(string key) =>
        key is "Id" or "Arn" or "Input" or "InputPath" or "RoleArn" or "RetryPolicy" or "DeadLetterConfig";

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

    private static string Truncate(string text, int max) => text.Length > max ? text[..max] : text;
}
