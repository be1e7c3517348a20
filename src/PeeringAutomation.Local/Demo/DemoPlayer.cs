using Amazon.EC2;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Deploy;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Local.Demo;

/// <summary>How a story step turned out.</summary>
public enum StepStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>The result of one step, with the reason when it did not pass.</summary>
public sealed record StepResult(DemoStep Step, StepStatus Status, string? Reason, ExecutionResult? Execution, JsonObject? Outcome);

/// <summary>Receives the story's progress (the CLI prints it; tests may ignore it).</summary>
public interface IDemoOutput
{
    void StepStarted(int index, DemoStep step, string target);

    void WorkflowEvent(HistoryEvent e);

    void StepFinished(StepResult result);
}

/// <summary>
/// Plays a story through the real bus of a running <see cref="LocalCloud"/>: puts each event,
/// follows the workflow it starts (history, as it happens), waits for the outcome event and checks
/// EC2. A step whose event no rule of the template routes anywhere is skipped with the reason.
/// </summary>
public sealed class DemoPlayer(LocalCloud stack, IDemoOutput output)
{
    private readonly Dictionary<string, string> peerings = new();
    private readonly Dictionary<string, DateTimeOffset> expiries = new();

    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<IReadOnlyList<StepResult>> PlayAsync(IReadOnlyList<DemoStep> steps, CancellationToken ct = default)
    {
        var results = new List<StepResult>();
        for (var i = 0; i < steps.Count; i++)
        {
            StepResult result;
            try
            {
                result = await PlayAsync(i, steps[i], ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result = new StepResult(steps[i], StepStatus.Failed, $"{e.GetType().Name}: {e.Message}", null, null);
            }
            output.StepFinished(result);
            results.Add(result);
        }
        return results;
    }

    private async Task<StepResult> PlayAsync(int index, DemoStep step, CancellationToken ct)
    {
        var rule = step.ScheduleRule is { } scheduled
            ? stack.Plan.Rules.FirstOrDefault(r => r.Name == scheduled && r.Schedule is not null)
            : stack.Plan.Rules.FirstOrDefault(r => Routes(r, step.Source, step.DetailType));
        if (rule is null)
        {
            output.StepStarted(index, step, "-");
            var missing = step.ScheduleRule is null ? $"no rule that routes '{step.DetailType}'" : $"no schedule rule '{step.ScheduleRule}'";
            return new StepResult(step, StepStatus.Skipped, $"template.yaml has {missing} to a workflow yet", null, null);
        }
        var target = rule.Targets.First(t => t.Kind is TargetKind.StateMachine or TargetKind.Function);
        var machine = stack.Plan.StateMachines.FirstOrDefault(m => m.Arn == target.Arn);
        output.StepStarted(index, step, machine?.Name ?? target.Arn);
        string? setupPeering = null;
        if (step.Setup is { } setup)
        {
            setupPeering = await CreateUnmanagedPeeringAsync(setup, ct);
        }
        var detail = DemoStories.Resolve(step.Detail, stack.World, peerings);
        var requestId = detail["requestId"]?.GetValue<string>();
        var fields = step.OutcomeFields.ToDictionary(f => f.Key, f => DemoStories.ResolveText(f.Value, stack.World, peerings));
        var before = new HashSet<JsonObject>(stack.Driver.Outcomes, ReferenceEqualityComparer.Instance);
        if (step.WaitSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(step.WaitSeconds), ct);
        }
        if (step.AfterExpiryOf is { } timeBoxed && expiries.TryGetValue(timeBoxed, out var expiry))
        {
            // Exactly as long as the expiry needs (expiresAt has whole seconds): not a guessed pause.
            var wait = expiry.AddSeconds(1) - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }
        }
        if (detail["expiresAt"]?.GetValue<string>() is { } expiresAt && DateTimeOffset.TryParse(expiresAt, System.Globalization.CultureInfo.InvariantCulture, out var at))
        {
            expiries[step.Id] = at;
        }
        var eventId = step.ScheduleRule is { } ruleName
            ? await stack.Driver.FireScheduleAsync(ruleName, ct)
            : step.AsAccount is { } asker
                ? await stack.Driver.PutEventAsAsync(DemoStories.ResolveText(asker, stack.World, peerings), step.DetailType, detail, step.Source, ct)
                : await stack.Driver.PutEventAsync(step.DetailType, detail, step.Source, ct: ct);

        ExecutionResult? execution = null;
        if (machine is not null)
        {
            execution = await FollowAsync(machine.Arn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + eventId, ct);
            if (execution.Status != step.ExpectedStatus)
            {
                return new StepResult(step, StepStatus.Failed, $"workflow ended {execution.Status} ({execution.Error}: {execution.Cause}), expected {step.ExpectedStatus}", execution, null);
            }
        }

        JsonObject outcome;
        try
        {
            outcome = await stack.Driver.WaitForOutcomeAsync(step.ExpectedOutcome, e => !before.Contains(e) && BelongsToStep(e, requestId, setupPeering) && HasFields(e, fields), StepTimeout, ct);
        }
        catch (TimeoutException)
        {
            var other = stack.Driver.Outcomes.FirstOrDefault(e => !before.Contains(e) && BelongsToStep(e, requestId, setupPeering));
            return new StepResult(step, StepStatus.Failed,
                $"no '{step.ExpectedOutcome}' outcome" + (other is null ? "" : $"; got '{other["detail-type"]}': {other["detail"]?.ToJsonString()}"), execution, other);
        }
        if (step.ExpectedReason is { } reason && !(outcome["detail"]?["reasons"] as JsonArray ?? []).Any(r => r?["code"]?.GetValue<string>() == reason))
        {
            return new StepResult(step, StepStatus.Failed, $"outcome has no reason {reason}: {outcome["detail"]?.ToJsonString()}", execution, outcome);
        }
        if ((outcome["detail"]?["vpcPeeringConnectionId"] ?? outcome["detail"]?["peeringId"])?.GetValue<string>() is { } peering)
        {
            peerings[step.Id] = peering;
        }
        foreach (var check in step.Checks)
        {
            var state = await PeeringStateAsync(check.RequesterVpc, check.AccepterVpc, ct);
            var ok = check.State == "deleted" ? state is "deleted" or "none" : state == check.State;
            if (!ok)
            {
                return new StepResult(step, StepStatus.Failed, $"EC2: peering {check.RequesterVpc} → {check.AccepterVpc} is {state}, expected {check.State}", execution, outcome);
            }
        }
        return new StepResult(step, StepStatus.Passed, null, execution, outcome);
    }

    /// <summary>The state of the newest peering between two world VPCs, or "none".</summary>
    public async Task<string> PeeringStateAsync(string requesterVpc, string accepterVpc, CancellationToken ct)
    {
        var requester = stack.World.Vpc(requesterVpc);
        var accepter = stack.World.Vpc(accepterVpc);
        var ec2 = await stack.Driver.Ec2Async(requester.AccountId, requester.Region);
        // moto ignores DescribeVpcPeeringConnections filters: filter here.
        var all = (await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest(), ct)).VpcPeeringConnections ?? [];
        var match = all.Where(p => (p.RequesterVpcInfo?.VpcId, p.AccepterVpcInfo?.VpcId) is var pair
                && (pair == (requester.VpcId, accepter.VpcId) || pair == (accepter.VpcId, requester.VpcId)))
            .Select(p => p.Status?.Code?.Value ?? "unknown").ToList();
        return match.Count == 0 ? "none" : match.FirstOrDefault(s => s != "deleted") ?? "deleted";
    }

    private static bool HasFields(JsonObject outcome, IReadOnlyDictionary<string, string> fields) =>
        fields.All(f => outcome["detail"]?[f.Key] is JsonValue v && v.ToString() == f.Value);

    private static bool BelongsToStep(JsonObject outcome, string? requestId, string? setupPeering)
    {
        var text = outcome["detail"]?.ToJsonString() ?? "";
        return (requestId is null || text.Contains($"\"{requestId}\"", StringComparison.Ordinal))
            && (setupPeering is null || text.Contains(setupPeering, StringComparison.Ordinal));
    }

    private async Task<ExecutionResult> FollowAsync(string executionArn, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        long shown = 0;
        while (true)
        {
            // The history alone while it runs (one call per poll); status and output once it has ended.
            IReadOnlyList<HistoryEvent> history = [];
            try
            {
                history = await stack.Driver.HistoryAsync(executionArn, ct);
            }
            catch (Aws.LocalAwsError e) when (e.Code == "ExecutionDoesNotExist")
            {
            }
            foreach (var e in history.Where(h => h.Id > shown))
            {
                output.WorkflowEvent(e);
                shown = e.Id;
            }
            if (history.Count > 0 && history[^1].Type is "ExecutionSucceeded" or "ExecutionFailed" or "ExecutionTimedOut" or "ExecutionAborted"
                && await stack.Driver.DescribeExecutionAsync(executionArn, ct) is { Status: not "RUNNING" } ended)
            {
                return ended;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{executionArn} did not finish within {StepTimeout.TotalSeconds:0} s");
            }
            await Task.Delay(150, ct);
        }
    }

    private async Task<string> CreateUnmanagedPeeringAsync(UnmanagedPeering setup, CancellationToken ct)
    {
        var requester = stack.World.Vpc(setup.RequesterVpc);
        var accepter = stack.World.Vpc(setup.AccepterVpc);
        var ec2 = await stack.Driver.Ec2Async(requester.AccountId, requester.Region);
        var created = await ec2.CreateVpcPeeringConnectionAsync(new CreateVpcPeeringConnectionRequest
        {
            VpcId = requester.VpcId,
            PeerVpcId = accepter.VpcId,
            PeerOwnerId = accepter.AccountId,
            PeerRegion = accepter.Region,
        }, ct);
        var id = created.VpcPeeringConnection.VpcPeeringConnectionId;
        // As on AWS, an inter-region request reaches the accepter's region only after a while: the
        // story asks for the acceptance check once the accepter can see the request.
        var accepterEc2 = await stack.Driver.Ec2Async(accepter.AccountId, accepter.Region);
        for (var deadline = DateTime.UtcNow + StepTimeout; DateTime.UtcNow < deadline; await Task.Delay(250, ct))
        {
            try
            {
                var seen = await accepterEc2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = [id] }, ct);
                if (seen.VpcPeeringConnections?.Any(p => p.Status?.Code?.Value != "initiating-request") == true)
                {
                    break;
                }
            }
            catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidVpcPeeringConnectionID.NotFound")
            {
            }
        }
        if (setup.RequesterGainsBlock is { } block)
        {
            await ec2.AssociateVpcCidrBlockAsync(new AssociateVpcCidrBlockRequest { VpcId = requester.VpcId, CidrBlock = block }, ct);
        }
        return id;
    }

    /// <summary>Whether <paramref name="rule"/>'s pattern matches an event of this source and detail-type.</summary>
    internal static bool Routes(RulePlan rule, string source, string detailType)
    {
        if (rule.Pattern is null || !rule.Targets.Any(t => t.Kind is TargetKind.StateMachine or TargetKind.Function))
        {
            return false;
        }
        var pattern = JsonNode.Parse(rule.Pattern);
        static bool Allows(JsonNode? values, string value) => values is not JsonArray list || list.Any(v => v is JsonValue s && s.TryGetValue<string>(out var text) && text == value);
        return Allows(pattern?["source"], source) && Allows(pattern?["detail-type"], detailType);
    }
}
