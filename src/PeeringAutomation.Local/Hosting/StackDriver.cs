using System.Text;
using System.Text.Json.Nodes;
using Amazon.EC2;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Local.Bridge;
using PeeringAutomation.Local.Lambda;
using PeeringAutomation.Local.EventBus;

namespace PeeringAutomation.Local.Hosting;

/// <summary>
/// What tests and the demo do to a running <see cref="LocalCloud"/>: put events on its bus (as the hub
/// or as a member account), wait for executions and outcome events, fire schedules, inject Lambda
/// faults, read handler timings. Drives the stack through its public APIs, as a team or an operator
/// would; building and starting the stack is <see cref="LocalCloud"/>'s job.
/// </summary>
public sealed class StackDriver
{
    private readonly LocalCloud cloud;
    private readonly FunctionRegistry functions;
    private readonly ScheduleRunner schedules;
    private readonly OutcomeTap? outcomes;

    internal StackDriver(LocalCloud cloud, FunctionRegistry functions, ScheduleRunner schedules, OutcomeTap? outcomes)
    {
        this.cloud = cloud;
        this.functions = functions;
        this.schedules = schedules;
        this.outcomes = outcomes;
    }

    /// <summary>Outcome events collected so far (envelopes), oldest first.</summary>
    public IReadOnlyList<JsonObject> Outcomes => outcomes?.Outcomes ?? [];

    /// <summary>Handler time of every invocation through the Invoke API (for measurements).</summary>
    public InvocationTimings InvocationTimings => functions.Timings;

    private LocalAwsClient Aws => cloud.Aws;

    /// <summary>Puts one event on the bus (as a team would); returns its event id.</summary>
    public async Task<string> PutEventAsync(
        string detailType,
        JsonNode detail,
        string source = "vpc-peering",
        string? busName = null,
        CancellationToken ct = default)
    {
        var response = await Aws.EventsAsync("PutEvents", new JsonObject
        {
            ["Entries"] = new JsonArray(new JsonObject
            {
                ["Source"] = source,
                ["DetailType"] = detailType,
                ["Detail"] = detail.ToJsonString(),
                ["EventBusName"] = busName ?? cloud.EventBusName,
            }),
        }, ct);
        var entry = response["Entries"]?[0];
        return entry?["EventId"]?.GetValue<string>()
            ?? throw new InvalidOperationException(
                $"PutEvents failed: {entry?.ToJsonString() ?? response.ToJsonString()}");
    }

    /// <summary>
    /// Calls PutEvents as <paramref name="accountId"/> (credentials from <c>sts:AssumeRole</c> on its member
    /// role, as a team would) and returns EventBridge's answer, with its per-entry results.
    /// </summary>
    public async Task<JsonObject> PutEventsAsAsync(
        string accountId,
        IEnumerable<JsonObject> entries,
        CancellationToken ct = default)
    {
        var key = (await cloud.Clients.CredentialsForAsync(accountId)).GetCredentials().AccessKey;
        using var member = new LocalAwsClient(cloud.Endpoint, cloud.Region, key);
        var body = new JsonObject { ["Entries"] = new JsonArray(entries.Select(e => (JsonNode)e).ToArray()) };
        return await member.EventsAsync("PutEvents", body, ct);
    }

    /// <summary>
    /// One request put by <paramref name="accountId"/> on the hub bus by its ARN; returns the event id.
    /// </summary>
    public async Task<string> PutEventAsAsync(
        string accountId,
        string detailType,
        JsonNode detail,
        string source = "vpc-peering",
        CancellationToken ct = default)
    {
        var response = await PutEventsAsAsync(accountId, [new JsonObject
        {
            ["Source"] = source,
            ["DetailType"] = detailType,
            ["Detail"] = detail.ToJsonString(),
            ["EventBusName"] = cloud.EventBusArn,
        }], ct);
        var entry = response["Entries"]?[0];
        return entry?["EventId"]?.GetValue<string>()
            ?? throw new InvalidOperationException(
                $"PutEvents as {accountId} failed: {entry?.ToJsonString() ?? response.ToJsonString()}");
    }

    /// <summary>
    /// Waits until the execution of <paramref name="stateMachine"/> started by event <paramref name="eventId"/>
    /// (the bridge names executions after the event id) has finished, and returns it with its history.
    /// </summary>
    public Task<ExecutionResult> WaitForExecutionAsync(
        string stateMachine,
        string eventId,
        TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        var machine = cloud.StateMachineArn(stateMachine);
        var executionArn = machine.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + eventId;
        return WaitForExecutionArnAsync(executionArn, timeout, ct);
    }

    /// <summary>Waits until <paramref name="executionArn"/> exists and is no longer RUNNING.</summary>
    public async Task<ExecutionResult> WaitForExecutionArnAsync(
        string executionArn,
        TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        ExecutionResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                // Only the status while it runs: the full history is read once, at the end (moto
                // serialises every event on each GetExecutionHistory, under the GIL the engine needs).
                var request = new JsonObject { ["executionArn"] = executionArn };
                var described = await Aws.StepFunctionsAsync("DescribeExecution", request, ct);
                var status = described["status"]!.GetValue<string>();
                if (status != "RUNNING")
                {
                    return await DescribeExecutionAsync(executionArn, ct);
                }
                last = new ExecutionResult(executionArn, status, null, null, null, null, []);
            }
            catch (LocalAwsError e) when (e.Code == "ExecutionDoesNotExist")
            {
            }
            await Task.Delay(100, ct);
        }
        var waited = (timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds;
        throw new TimeoutException(
            $"execution {executionArn} did not finish within {waited:0} s (last: {last?.ToString() ?? "not started"})");
    }

    /// <summary>Starts an execution directly (not through the bus) and waits for it.</summary>
    public async Task<ExecutionResult> RunExecutionAsync(
        string stateMachine,
        JsonNode input,
        TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        var started = await Aws.StepFunctionsAsync("StartExecution", new JsonObject
        {
            ["stateMachineArn"] = cloud.StateMachineArn(stateMachine),
            ["name"] = Guid.NewGuid().ToString(),
            ["input"] = input.ToJsonString(),
        }, ct);
        return await WaitForExecutionArnAsync(started["executionArn"]!.GetValue<string>(), timeout, ct);
    }

    /// <summary>Every execution of a state machine, newest first (summaries: arn, name, status).</summary>
    public async Task<IReadOnlyList<JsonObject>> ListExecutionsAsync(
        string stateMachine,
        CancellationToken ct = default)
    {
        var request = new JsonObject { ["stateMachineArn"] = cloud.StateMachineArn(stateMachine) };
        var response = await Aws.StepFunctionsAsync("ListExecutions", request, ct);
        return (response["executions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
    }

    /// <summary>The execution's status, output and full history.</summary>
    public async Task<ExecutionResult> DescribeExecutionAsync(string executionArn, CancellationToken ct = default)
    {
        var request = new JsonObject { ["executionArn"] = executionArn };
        var described = await Aws.StepFunctionsAsync("DescribeExecution", request, ct);
        var history = await HistoryAsync(executionArn, ct);
        static JsonNode? Parse(JsonNode? text) => text?.GetValue<string>() is { } s ? EventText.Parse(s) : null;
        return new ExecutionResult(
            executionArn,
            described["status"]!.GetValue<string>(),
            Parse(described["input"]),
            Parse(described["output"]),
            described["error"]?.GetValue<string>(),
            described["cause"]?.GetValue<string>(),
            history);
    }

    /// <summary>
    /// The execution's history so far (one call; <see cref="DescribeExecutionAsync"/> adds status and output).
    /// </summary>
    public async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(string executionArn, CancellationToken ct = default)
    {
        var request = new JsonObject { ["executionArn"] = executionArn, ["maxResults"] = 1000 };
        var history = await Aws.StepFunctionsAsync("GetExecutionHistory", request, ct);
        return (history["events"] as JsonArray ?? []).Select(e => HistoryEvent.From(e!)).ToList();
    }

    /// <summary>
    /// Waits for an outcome event (envelope) with this detail-type that also satisfies
    /// <paramref name="match"/> (given the envelope). Events already collected count.
    /// </summary>
    public async Task<JsonObject> WaitForOutcomeAsync(
        string detailType,
        Func<JsonObject, bool>? match = null,
        TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        if (outcomes is null)
        {
            throw new InvalidOperationException("outcome collection is off (LocalCloudOptions.CollectOutcomes)");
        }
        bool Matches(JsonObject e) => e["detail-type"]?.GetValue<string>() == detailType && (match?.Invoke(e) ?? true);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var seen = 0;
        while (true)
        {
            // Each outcome is looked at once; between arrivals the waiter sleeps (no polling).
            var (fresh, moreArrived) = outcomes.Since(seen);
            seen += fresh.Count;
            var found = fresh.FirstOrDefault(Matches);
            if (found is not null)
            {
                return found;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                var waited = (timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds;
                throw new TimeoutException($"no '{detailType}' outcome within {waited:0} s; "
                    + $"collected: {string.Join(", ", Outcomes.Select(o => o["detail-type"]))}");
            }
            using (var wake = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await Task.WhenAny(moreArrived, Task.Delay(left, wake.Token));
                await wake.CancelAsync(); // the timer goes with the wait
            }
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Fires a schedule rule now (even with schedules off); returns the event id.</summary>
    public async Task<string> FireScheduleAsync(string ruleName, CancellationToken ct = default) =>
        await schedules.FireAsync(ruleName, ct)
            ?? throw new KeyNotFoundException($"no schedule rule named {ruleName} "
                + $"(have: {string.Join(", ", schedules.Schedules.Select(r => r.Name))})");

    /// <summary>
    /// Makes the next invocation of a function (logical id or name) through the Invoke API fail
    /// with <paramref name="errorType"/>, before or after its handler runs: the seam for
    /// compensation tests.
    /// </summary>
    public void InjectFault(
        string function,
        FaultTiming timing = FaultTiming.AfterHandler,
        string errorType = "InjectedFault") =>
        functions.Faults.Inject(function, timing, errorType);

    /// <summary>Invokes a function synchronously in-process, as the Invoke API would.</summary>
    public Task<InvocationResult> InvokeFunctionAsync(string functionName, JsonNode payload)
    {
        var function = functions.Find(functionName) ?? throw new KeyNotFoundException($"no function {functionName}");
        return FunctionRegistry.InvokeAsync(function, Encoding.UTF8.GetBytes(payload.ToJsonString()));
    }

    /// <summary>
    /// An EC2 client for <paramref name="accountId"/> in <paramref name="region"/> (default: the hub region).
    /// </summary>
    public Task<IAmazonEC2> Ec2Async(string accountId, string? region = null) =>
        cloud.Clients.Ec2Async(accountId, region ?? cloud.Region);
}
