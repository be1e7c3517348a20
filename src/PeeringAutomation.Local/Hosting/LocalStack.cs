using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Local.Behaviour;
using PeeringAutomation.Local.Bridge;
using PeeringAutomation.Local.Deploy;
using PeeringAutomation.Local.Faults;
using PeeringAutomation.Local.Lambda;
using PeeringAutomation.Local.Moto;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Local.Hosting;

/// <summary>
/// The whole local stack in this process: moto, the host (Lambda Invoke API + YARP to moto), the
/// deployed template, the world, the rule bridge and the schedules. Used by <c>up</c>, <c>demo</c>
/// and workflow tests. Handlers run in-process and environment variables are process-wide, so one
/// stack runs per process at a time. Dispose stops everything, moto included.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private static int active;
    private readonly List<IAsyncDisposable> stoppables = [];
    private readonly List<IDisposable> disposables = [];
    private readonly List<JsonObject> outcomes = [];
    private readonly SemaphoreSlim outcomeLock = new(1, 1);
    private string? outcomeQueueUrl;
    private IAmazonSQS sqs = null!;
    private ScheduleRunner schedules = null!;
    private FunctionRegistry functions = null!;

    private LocalStack(int port, StackPlan plan)
    {
        Port = port;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        Plan = plan;
    }

    /// <summary>http://127.0.0.1:port — every AWS API of the stack.</summary>
    public Uri Endpoint { get; }

    public int Port { get; }

    /// <summary>What was deployed from the template (names, ARNs, parameters).</summary>
    public StackPlan Plan { get; }

    /// <summary>The world as created (empty without a world).</summary>
    public BuiltWorld World { get; private set; } = new(WorldSpec.Empty, []);

    public string Region => Plan.Region;

    public string AccountId => Plan.AccountId;

    /// <summary>The bus requests go to: the EventBusName parameter, else the template's only bus, else "default".</summary>
    public string EventBusName => Plan.Parameters.TryGetValue("EventBusName", out var bus) ? bus : Plan.Buses.Count == 1 ? Plan.Buses[0].Name : "default";

    /// <summary>Raw Step Functions / EventBridge / SNS / Logs calls as the hub.</summary>
    public LocalAwsClient Aws { get; private set; } = null!;

    /// <summary>The request ledger as the functions see it (null when the template has no table).</summary>
    public Core.Ledger.IRequestLedger? Ledger { get; private set; }

    /// <summary>Seeded fault injection: its settings (changeable with <see cref="FaultInjection.Set"/>) and counts.</summary>
    public FaultInjection Faults { get; private set; } = new(FaultSettings.None);

    /// <summary>The AWS behaviour layer in front of moto; null with <see cref="BehaviourSettings.RawMoto"/>.</summary>
    public BehaviourLayer? Behaviour { get; private set; }

    /// <summary>SDK clients per account and region (member accounts through sts:AssumeRole).</summary>
    public AccountClients Clients { get; private set; } = null!;

    /// <summary>Outcome events collected so far (envelopes), oldest first.</summary>
    public IReadOnlyList<JsonObject> Outcomes
    {
        get
        {
            lock (outcomes)
            {
                return outcomes.ToList();
            }
        }
    }

    /// <summary>Starts everything; throws <see cref="Template.TemplateError"/>, <see cref="WorldFileError"/>,
    /// <see cref="HandlerNotResolved"/>, <see cref="PortInUse"/> or <see cref="MotoUnavailable"/> with a clear message.</summary>
    public static async Task<LocalStack> StartAsync(LocalStackOptions options, CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref active, 1, 0) != 0)
        {
            throw new InvalidOperationException("a LocalStack is already running in this process: handlers share process-wide environment variables, so run one at a time (use one fixture per test collection)");
        }
        LocalStack? stack = null;
        try
        {
            var port = options.Port == 0 ? MotoServer.FreeLoopbackPort() : EnsureFree(options.Port);
            var world = options.WorldFile is { } file ? WorldFile.Load(file) : options.World ?? WorldSpec.Empty;
            var template = options.TemplatePath ?? RepositoryFiles.Find("template.yaml")
                ?? throw new Template.TemplateError("template.yaml not found in the current directory or any parent; pass its path");
            var plan = StackPlanner.Plan(template, options.Region, options.AccountId, options.ParameterOverrides, LocalDefaults(world, options.Region));
            stack = new LocalStack(port, plan);
            await stack.StartAsync(options, world, ct);
            return stack;
        }
        catch
        {
            if (stack is not null)
            {
                await stack.DisposeAsync();
            }
            else
            {
                Volatile.Write(ref active, 0);
            }
            throw;
        }
    }

    /// <summary>The local defaults of the template's parameters: the world's accounts are managed and allowed.</summary>
    public static IReadOnlyDictionary<string, string> LocalDefaults(WorldSpec world, string hubRegion)
    {
        // moto ignores sts:ExternalId, but the template requires one.
        var defaults = new Dictionary<string, string> { ["MemberRoleExternalId"] = "peering-automation-local" };
        if (world.Accounts.Count == 0)
        {
            return defaults;
        }
        var accounts = string.Join(",", world.Accounts.Select(a => a.Id));
        defaults["ManagedAccountIds"] = accounts;
        defaults["AllowedPeerAccountIds"] = accounts;
        defaults["ManagedRegions"] = string.Join(",", world.Regions.Append(hubRegion).Distinct().Order());
        return defaults;
    }

    private async Task StartAsync(LocalStackOptions options, WorldSpec world, CancellationToken ct)
    {
        // moto's start (a Python process importing moto: seconds of wall time) runs while the host
        // sets itself up; stopped with the stack, also when that set-up fails.
        var motoStarting = MotoServer.StartAsync(motoPortForCallbacks: Port, ct: ct);
        stoppables.Add(new Stoppable(async () =>
        {
            try
            {
                await (await motoStarting).DisposeAsync();
            }
            catch (MotoUnavailable)
            {
            }
        }));
        // Fail on template and handler problems before anything is called.
        var environment = FunctionEnvironment.Apply(FunctionEnvironment.Compute(Plan, Endpoint));
        disposables.Add(environment);
        functions = new FunctionRegistry(Plan);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (options.LoggerProvider is { } provider)
        {
            builder.Logging.AddProvider(provider);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        }
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Yarp", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port));
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var logs = app.Services.GetRequiredService<ILoggerFactory>();

        var moto = await motoStarting;
        // Execution must be on before the first state machine exists: moto keeps two backends.
        await moto.ConfigureAsync("""{"stepfunctions": {"execute_state_machine": true}}""", ct);

        Aws = new LocalAwsClient(Endpoint, Region);
        disposables.Add(Aws);
        var memberRole = Plan.Parameters.GetValueOrDefault("MemberRoleName") ?? "PeeringAutomationMember";
        Clients = new AccountClients(Endpoint, AccountId, Region, memberRole);
        disposables.Add(Clients);
        sqs = Clients.HubSqs();
        // The ledger by its logical id: the findings-state table stands beside it.
        if ((Plan.Tables.FirstOrDefault(t => t.LogicalId == "RequestLedgerTable") ?? (Plan.Tables.Count == 1 ? Plan.Tables[0] : null)) is { } ledgerTable)
        {
            Ledger = new PeeringAutomation.Aws.DynamoDbRequestLedger(Clients.HubDynamoDb(), ledgerTable.Name);
        }

        TargetDispatcher dispatcher = null!;
        var invoker = new AsyncInvoker((arn, record, outcome, token) => dispatcher.SendToDestinationAsync(arn, record, outcome, token), logs.CreateLogger<AsyncInvoker>());
        dispatcher = new TargetDispatcher(Aws, sqs, functions, invoker, Plan, logs.CreateLogger<TargetDispatcher>());
        schedules = new ScheduleRunner(Plan, dispatcher, logs.CreateLogger<ScheduleRunner>());

        var readiness = new Readiness();
        readiness.Use(app, options.Behaviour.Enabled ? "aws" : "raw-moto");
        Faults = new FaultInjection(options.Faults);
        Faults.Use(app);
        MemberRoleDenial.Use(app, options.UnassumableAccounts.ToHashSet());
        if (options.Behaviour.Enabled)
        {
            Behaviour = new BehaviourLayer(options.Behaviour, moto.Endpoint, AccountId, Region, memberRole, logs.CreateLogger<BehaviourLayer>());
            disposables.Add(Behaviour);
            Behaviour.Use(app);
        }
        var senders = new EventBus.EventSenders();
        var motoHttp = new HttpClient { BaseAddress = moto.Endpoint, Timeout = TimeSpan.FromSeconds(30) };
        disposables.Add(motoHttp);
        var callers = new EventBus.PutEventsCallers(new CallerIdentities(motoHttp), AccountId,
            Plan.StateMachines.FirstOrDefault()?.RoleArn ?? $"arn:aws:iam::{AccountId}:role/StateMachineRole");
        var busPolicies = Plan.BusPolicies.GroupBy(p => p.BusName)
            .Select(g => new EventBus.BusPolicy(AccountId, g.Key, g.Select(p => (JsonObject)JsonNode.Parse(p.StatementJson)!).ToList())).ToList();
        var gate = new EventBus.PutEventsGate(moto.Endpoint, Region, busPolicies, callers, senders,
            async account => (await Clients.CredentialsForAsync(account)).GetCredentials().AccessKey);
        disposables.Add(gate);
        gate.Use(app);
        LambdaInvokeEndpoint.Map(app, functions, invoker);
        Operations.MeshPage.Map(app, functions);
        app.MapPost("/local/schedules/{rule}/fire", async (string rule, CancellationToken token) =>
            await schedules.FireAsync(rule, token) is { } id ? Results.Json(new { eventId = id }) : Results.NotFound(new { message = $"no schedule rule named {rule}" }));
        MotoForwarding.Map(app, moto.Endpoint);
        try
        {
            await app.StartAsync(ct);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new PortInUse(Port, e);
        }
        // Stopped before the invoker so no request reaches a disposed invoker.
        stoppables.Insert(0, invoker);
        stoppables.Insert(0, new Stoppable(async () =>
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }));

        var deployed = await new StackDeployer(Aws, sqs, logs.CreateLogger<StackDeployer>()).DeployAsync(Plan, ct);
        World = await new WorldBuilder(Clients, logs.CreateLogger<WorldBuilder>()).BuildAsync(world, ct);
        if (options.CollectOutcomes)
        {
            await CreateOutcomeQueueAsync(options.OutcomeSources, ct);
            // Drained all the time, not only while someone waits: moto recounts a queue's messages
            // on every SendMessage, so an undrained queue of thousands of findings slows every
            // event the bus delivers (a profile of a 2,000-VPC sweep: a quarter of moto's time).
            var draining = new CancellationTokenSource();
            var drainer = Task.Run(() => DrainOutcomesAsync(draining.Token));
            stoppables.Insert(0, new Stoppable(async () =>
            {
                await draining.CancelAsync();
                await drainer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                draining.Dispose();
            }));
        }
        var bridge = new RuleBridge(deployed, sqs, dispatcher, logs.CreateLogger<RuleBridge>(), senders)
        {
            Duplicates = Faults.Duplicates,
            DeadLetters = new DeadLetters(sqs, Aws, Plan, logs.CreateLogger<DeadLetters>()),
        };
        Faults.Arm();
        bridge.Start();
        stoppables.Insert(0, bridge);
        if (options.RunSchedules)
        {
            schedules.Start();
        }
        stoppables.Insert(0, schedules);
        readiness.MarkReady(Readiness.Summary(Plan, World));
    }

    private static int EnsureFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return port;
        }
        catch (SocketException e)
        {
            throw new PortInUse(port, e);
        }
    }

    private async Task CreateOutcomeQueueAsync(IReadOnlyList<string> sources, CancellationToken ct)
    {
        const string name = "local-outcomes";
        outcomeQueueUrl = (await sqs.CreateQueueAsync(name, ct)).QueueUrl;
        var rule = new JsonObject
        {
            ["Name"] = name,
            ["EventPattern"] = new JsonObject { ["source"] = new JsonArray(sources.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()) }.ToJsonString(),
        };
        if (EventBusName != "default")
        {
            rule["EventBusName"] = EventBusName;
        }
        await Aws.EventsAsync("PutRule", rule, ct);
        var targets = new JsonObject
        {
            ["Rule"] = name,
            ["Targets"] = new JsonArray(new JsonObject
            {
                ["Id"] = "outcomes",
                ["Arn"] = $"arn:aws:sqs:{Region}:{AccountId}:{name}",
                ["InputTransformer"] = new JsonObject { ["InputTemplate"] = "<aws.events.event.json>" },
            }),
        };
        if (EventBusName != "default")
        {
            targets["EventBusName"] = EventBusName;
        }
        await Aws.EventsAsync("PutTargets", targets, ct);
    }

    /// <summary>Puts one event on the bus (as a team would); returns its event id.</summary>
    public async Task<string> PutEventAsync(string detailType, JsonNode detail, string source = "vpc-peering", string? busName = null, CancellationToken ct = default)
    {
        var response = await Aws.EventsAsync("PutEvents", new JsonObject
        {
            ["Entries"] = new JsonArray(new JsonObject
            {
                ["Source"] = source,
                ["DetailType"] = detailType,
                ["Detail"] = detail.ToJsonString(),
                ["EventBusName"] = busName ?? EventBusName,
            }),
        }, ct);
        var entry = response["Entries"]?[0];
        return entry?["EventId"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"PutEvents failed: {entry?.ToJsonString() ?? response.ToJsonString()}");
    }

    /// <summary>
    /// Calls PutEvents as <paramref name="accountId"/> (credentials from <c>sts:AssumeRole</c> on its member role,
    /// as a team would) and returns EventBridge's answer, with its per-entry results.
    /// </summary>
    public async Task<JsonObject> PutEventsAsAsync(string accountId, IEnumerable<JsonObject> entries, CancellationToken ct = default)
    {
        var key = (await Clients.CredentialsForAsync(accountId)).GetCredentials().AccessKey;
        using var member = new LocalAwsClient(Endpoint, Region, key);
        return await member.EventsAsync("PutEvents", new JsonObject { ["Entries"] = new JsonArray(entries.Select(e => (JsonNode)e).ToArray()) }, ct);
    }

    /// <summary>One request put by <paramref name="accountId"/> on the hub bus by its ARN; returns the event id.</summary>
    public async Task<string> PutEventAsAsync(string accountId, string detailType, JsonNode detail, string source = "vpc-peering", CancellationToken ct = default)
    {
        var response = await PutEventsAsAsync(accountId, [new JsonObject
        {
            ["Source"] = source, ["DetailType"] = detailType, ["Detail"] = detail.ToJsonString(), ["EventBusName"] = EventBusArn,
        }], ct);
        var entry = response["Entries"]?[0];
        return entry?["EventId"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"PutEvents as {accountId} failed: {entry?.ToJsonString() ?? response.ToJsonString()}");
    }

    /// <summary>The hub bus's ARN, as member accounts name it.</summary>
    public string EventBusArn => $"arn:aws:events:{Region}:{AccountId}:event-bus/{EventBusName}";

    /// <summary>The ARN of a state machine by name or logical id.</summary>
    public string StateMachineArn(string nameOrLogicalId) =>
        Plan.StateMachines.FirstOrDefault(m => m.Name == nameOrLogicalId || m.LogicalId == nameOrLogicalId)?.Arn
        ?? throw new KeyNotFoundException($"the template has no state machine '{nameOrLogicalId}' (it has: {string.Join(", ", Plan.StateMachines.Select(m => m.LogicalId))})");

    /// <summary>Whether the template has this state machine (by name or logical id).</summary>
    public bool HasStateMachine(string nameOrLogicalId) => Plan.StateMachines.Any(m => m.Name == nameOrLogicalId || m.LogicalId == nameOrLogicalId);

    /// <summary>
    /// Waits until the execution of <paramref name="stateMachine"/> started by event <paramref name="eventId"/>
    /// (the bridge names executions after the event id) has finished, and returns it with its history.
    /// </summary>
    public Task<ExecutionResult> WaitForExecutionAsync(string stateMachine, string eventId, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var machine = StateMachineArn(stateMachine);
        var executionArn = machine.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + eventId;
        return WaitForExecutionArnAsync(executionArn, timeout, ct);
    }

    /// <summary>Waits until <paramref name="executionArn"/> exists and is no longer RUNNING.</summary>
    public async Task<ExecutionResult> WaitForExecutionArnAsync(string executionArn, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        ExecutionResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                // Only the status while it runs: the full history is read once, at the end (moto
                // serialises every event on each GetExecutionHistory, under the GIL the engine needs).
                var described = await Aws.StepFunctionsAsync("DescribeExecution", new JsonObject { ["executionArn"] = executionArn }, ct);
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
        throw new TimeoutException($"execution {executionArn} did not finish within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds:0} s (last: {last?.ToString() ?? "not started"})");
    }

    /// <summary>Starts an execution directly (not through the bus) and waits for it.</summary>
    public async Task<ExecutionResult> RunExecutionAsync(string stateMachine, JsonNode input, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var started = await Aws.StepFunctionsAsync("StartExecution", new JsonObject
        {
            ["stateMachineArn"] = StateMachineArn(stateMachine),
            ["name"] = Guid.NewGuid().ToString(),
            ["input"] = input.ToJsonString(),
        }, ct);
        return await WaitForExecutionArnAsync(started["executionArn"]!.GetValue<string>(), timeout, ct);
    }

    /// <summary>Every execution of a state machine, newest first (summaries: arn, name, status).</summary>
    public async Task<IReadOnlyList<JsonObject>> ListExecutionsAsync(string stateMachine, CancellationToken ct = default)
    {
        var response = await Aws.StepFunctionsAsync("ListExecutions", new JsonObject { ["stateMachineArn"] = StateMachineArn(stateMachine) }, ct);
        return (response["executions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
    }

    /// <summary>The execution's status, output and full history.</summary>
    public async Task<ExecutionResult> DescribeExecutionAsync(string executionArn, CancellationToken ct = default)
    {
        var described = await Aws.StepFunctionsAsync("DescribeExecution", new JsonObject { ["executionArn"] = executionArn }, ct);
        var history = await Aws.StepFunctionsAsync("GetExecutionHistory", new JsonObject { ["executionArn"] = executionArn, ["maxResults"] = 1000 }, ct);
        static JsonNode? Parse(JsonNode? text) => text?.GetValue<string>() is { } s ? JsonNode.Parse(s) : null;
        return new ExecutionResult(
            executionArn,
            described["status"]!.GetValue<string>(),
            Parse(described["input"]),
            Parse(described["output"]),
            described["error"]?.GetValue<string>(),
            described["cause"]?.GetValue<string>(),
            (history["events"] as JsonArray ?? []).Select(e => HistoryEvent.From(e!)).ToList());
    }

    /// <summary>The execution's history so far (one call; <see cref="DescribeExecutionAsync"/> adds status and output).</summary>
    public async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(string executionArn, CancellationToken ct = default)
    {
        var history = await Aws.StepFunctionsAsync("GetExecutionHistory", new JsonObject { ["executionArn"] = executionArn, ["maxResults"] = 1000 }, ct);
        return (history["events"] as JsonArray ?? []).Select(e => HistoryEvent.From(e!)).ToList();
    }

    /// <summary>
    /// Waits for an outcome event (envelope) with this detail-type that also satisfies
    /// <paramref name="match"/> (given the envelope). Events already collected count.
    /// </summary>
    public async Task<JsonObject> WaitForOutcomeAsync(string detailType, Func<JsonObject, bool>? match = null, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        if (outcomeQueueUrl is null)
        {
            throw new InvalidOperationException("outcome collection is off (LocalStackOptions.CollectOutcomes)");
        }
        bool Matches(JsonObject e) => e["detail-type"]?.GetValue<string>() == detailType && (match?.Invoke(e) ?? true);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = Outcomes.FirstOrDefault(Matches);
            if (found is not null)
            {
                return found;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"no '{detailType}' outcome within {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s; collected: {string.Join(", ", Outcomes.Select(o => o["detail-type"]))}");
            }
            await Task.Delay(20, ct);
        }
    }

    private async Task DrainOutcomesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await CollectOutcomesAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Task.Delay(200, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task CollectOutcomesAsync(CancellationToken ct)
    {
        await outcomeLock.WaitAsync(ct);
        try
        {
            var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = outcomeQueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 20 }, ct);
            var messages = response.Messages ?? [];
            foreach (var message in messages)
            {
                if (JsonNode.Parse(message.Body) is JsonObject envelope)
                {
                    envelope.Remove("ingestion-time");
                    lock (outcomes)
                    {
                        outcomes.Add(envelope);
                    }
                }
            }
            if (messages.Count > 0)
            {
                // One round trip for the batch, not one per message (a sweep emits thousands of findings).
                await sqs.DeleteMessageBatchAsync(outcomeQueueUrl,
                    messages.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m.ReceiptHandle)).ToList(), ct);
            }
        }
        finally
        {
            outcomeLock.Release();
        }
    }

    /// <summary>Fires a schedule rule now (even with schedules off); returns the event id.</summary>
    public async Task<string> FireScheduleAsync(string ruleName, CancellationToken ct = default) =>
        await schedules.FireAsync(ruleName, ct) ?? throw new KeyNotFoundException($"no schedule rule named {ruleName} (have: {string.Join(", ", schedules.Schedules.Select(r => r.Name))})");

    /// <summary>
    /// Makes the next invocation of a function (logical id or name) through the Invoke API fail
    /// with <paramref name="errorType"/>, before or after its handler runs: the seam for
    /// compensation tests.
    /// </summary>
    public void InjectFault(string function, Lambda.FaultTiming timing = Lambda.FaultTiming.AfterHandler, string errorType = "InjectedFault") =>
        functions.Faults.Inject(function, timing, errorType);

    /// <summary>Handler time of every invocation through the Invoke API (for measurements).</summary>
    public InvocationTimings InvocationTimings => functions.Timings;

    /// <summary>Invokes a function synchronously in-process, as the Invoke API would.</summary>
    public Task<InvocationResult> InvokeFunctionAsync(string functionName, JsonNode payload)
    {
        var function = functions.Find(functionName) ?? throw new KeyNotFoundException($"no function {functionName}");
        return FunctionRegistry.InvokeAsync(function, System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()));
    }

    /// <summary>An EC2 client for <paramref name="accountId"/> in <paramref name="region"/> (default: the hub region).</summary>
    public Task<IAmazonEC2> Ec2Async(string accountId, string? region = null) => Clients.Ec2Async(accountId, region ?? Region);

    public async ValueTask DisposeAsync()
    {
        foreach (var stoppable in stoppables)
        {
            try
            {
                await stoppable.DisposeAsync();
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
            {
            }
        }
        stoppables.Clear();
        foreach (var disposable in Enumerable.Reverse(disposables))
        {
            disposable.Dispose();
        }
        disposables.Clear();
        sqs?.Dispose();
        outcomeLock.Dispose();
        Volatile.Write(ref active, 0);
    }
}

/// <summary>Adapts a stop function to <see cref="IAsyncDisposable"/>.</summary>
internal sealed class Stoppable(Func<Task> stop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await stop();
}
