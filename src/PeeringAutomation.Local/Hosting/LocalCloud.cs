using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Amazon.SQS;
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
using PeeringAutomation.Moto;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Local.Hosting;

/// <summary>
/// The whole local stack in this process, and its composition root: builds and starts moto, the
/// host (Lambda Invoke API + YARP to moto), the deployed template, the world, the rule bridge and
/// the schedules. Used by <c>up</c>, <c>demo</c> and workflow tests, which drive it through
/// <see cref="Driver"/>. Handlers run in-process and environment variables are process-wide, so one
/// stack runs per process at a time. Dispose stops everything, moto included.
/// </summary>
public sealed class LocalCloud : IAsyncDisposable
{
    private static int active;
    private readonly List<IAsyncDisposable> stoppables = [];
    private readonly List<IDisposable> disposables = [];
    private IAmazonSQS sqs = null!;

    private LocalCloud(int port, StackPlan plan)
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

    /// <summary>
    /// The bus requests go to: the EventBusName parameter, else the template's only bus, else "default".
    /// </summary>
    public string EventBusName =>
        Plan.Parameters.TryGetValue("EventBusName", out var bus) ? bus
        : Plan.Buses.Count == 1 ? Plan.Buses[0].Name
        : "default";

    /// <summary>Raw Step Functions / EventBridge / SNS / Logs calls as the hub.</summary>
    public LocalAwsClient Aws { get; private set; } = null!;

    /// <summary>The request ledger as the functions see it (null when the template has no table).</summary>
    public Core.Ledger.IRequestLedger? Ledger { get; private set; }

    /// <summary>
    /// Seeded fault injection: its settings (changeable with <see cref="FaultInjection.Set"/>) and counts.
    /// </summary>
    public FaultInjection Faults { get; private set; } = new(FaultSettings.None);

    /// <summary>The AWS behaviour layer in front of moto; null with <see cref="BehaviourSettings.RawMoto"/>.</summary>
    public BehaviourLayer? Behaviour { get; private set; }

    /// <summary>SDK clients per account and region (member accounts through sts:AssumeRole).</summary>
    public AccountClients Clients { get; private set; } = null!;

    /// <summary>
    /// What tests and the demo do to the running stack: put events, wait for executions and
    /// outcomes, fire schedules, inject faults.
    /// </summary>
    public StackDriver Driver { get; private set; } = null!;

    /// <summary>The hub bus's ARN, as member accounts name it.</summary>
    public string EventBusArn => $"arn:aws:events:{Region}:{AccountId}:event-bus/{EventBusName}";

    /// <summary>
    /// Starts everything; throws <see cref="Template.TemplateError"/>, <see cref="WorldFileError"/>,
    /// <see cref="HandlerNotResolved"/>, <see cref="PortInUse"/> or <see cref="MotoUnavailable"/>
    /// with a clear message.
    /// </summary>
    public static async Task<LocalCloud> StartAsync(LocalCloudOptions options, CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref active, 1, 0) != 0)
        {
            throw new InvalidOperationException("a LocalCloud is already running in this process: handlers share "
                + "process-wide environment variables, so run one at a time (use one fixture per test collection)");
        }
        LocalCloud? stack = null;
        try
        {
            var port = options.Port == 0 ? MotoServer.FreeLoopbackPort() : EnsureFree(options.Port);
            var world = options.WorldFile is { } file ? WorldFile.Load(file) : options.World ?? WorldSpec.Empty;
            var template = options.TemplatePath ?? RepositoryFiles.Find("template.yaml")
                ?? throw new Template.TemplateError(
                    "template.yaml not found in the current directory or any parent; pass its path");
            var defaults = LocalDefaults(world, options.Region);
            var plan = StackPlanner.Plan(
                template, options.Region, options.AccountId, options.ParameterOverrides, defaults);
            stack = new LocalCloud(port, plan);
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

    /// <summary>
    /// The local defaults of the template's parameters: the world's accounts are managed and allowed.
    /// </summary>
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

    private async Task StartAsync(LocalCloudOptions options, WorldSpec world, CancellationToken ct)
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
        var functions = new FunctionRegistry(Plan);

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
        var ledgerTable = Plan.Tables.FirstOrDefault(t => t.LogicalId == "RequestLedgerTable")
            ?? (Plan.Tables.Count == 1 ? Plan.Tables[0] : null);
        if (ledgerTable is not null)
        {
            Ledger = new PeeringAutomation.Aws.DynamoDbRequestLedger(Clients.HubDynamoDb(), ledgerTable.Name);
        }

        TargetDispatcher dispatcher = null!;
        var invoker = new AsyncInvoker(
            (arn, record, outcome, token) => dispatcher.SendToDestinationAsync(arn, record, outcome, token),
            logs.CreateLogger<AsyncInvoker>());
        dispatcher = new TargetDispatcher(Aws, sqs, functions, invoker, Plan, logs.CreateLogger<TargetDispatcher>());
        var schedules = new ScheduleRunner(Plan, dispatcher, logs.CreateLogger<ScheduleRunner>());

        var readiness = new Readiness();
        readiness.Use(app, options.Behaviour.Enabled ? "aws" : "raw-moto");
        Faults = new FaultInjection(options.Faults);
        Faults.Use(app);
        MemberRoleDenial.Use(app, options.UnassumableAccounts.ToHashSet());
        if (options.Behaviour.Enabled)
        {
            Behaviour = new BehaviourLayer(
                options.Behaviour, moto.Endpoint, AccountId, Region, memberRole, logs.CreateLogger<BehaviourLayer>());
            disposables.Add(Behaviour);
            Behaviour.Use(app);
        }
        var senders = new EventBus.EventSenders();
        var motoHttp = new HttpClient { BaseAddress = moto.Endpoint, Timeout = TimeSpan.FromSeconds(30) };
        disposables.Add(motoHttp);
        var callers = new EventBus.PutEventsCallers(new CallerIdentities(motoHttp), AccountId,
            Plan.StateMachines.FirstOrDefault()?.RoleArn ?? $"arn:aws:iam::{AccountId}:role/StateMachineRole");
        var busPolicies = Plan.BusPolicies.GroupBy(p => p.BusName)
            .Select(g => new EventBus.BusPolicy(
                AccountId, g.Key, g.Select(p => (JsonObject)JsonNode.Parse(p.StatementJson)!).ToList()))
            .ToList();
        var gate = new EventBus.PutEventsGate(moto.Endpoint, Region, busPolicies, callers, senders,
            async account => (await Clients.CredentialsForAsync(account)).GetCredentials().AccessKey);
        disposables.Add(gate);
        gate.Use(app);
        LambdaInvokeEndpoint.Map(app, functions, invoker);
        Operations.MeshPage.Map(app, functions);
        app.MapPost("/local/schedules/{rule}/fire", async (string rule, CancellationToken token) =>
            await schedules.FireAsync(rule, token) is { } id
                ? Results.Json(new { eventId = id })
                : Results.NotFound(new { message = $"no schedule rule named {rule}" }));
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
        OutcomeTap? outcomes = null;
        if (options.CollectOutcomes)
        {
            outcomes = await OutcomeTap.StartAsync(
                Aws, sqs, Region, AccountId, EventBusName, options.OutcomeSources, ct);
            stoppables.Insert(0, outcomes);
        }
        Driver = new StackDriver(this, functions, schedules, outcomes);
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

    /// <summary>The ARN of a state machine by name or logical id.</summary>
    public string StateMachineArn(string nameOrLogicalId) =>
        Plan.StateMachines.FirstOrDefault(m => m.Name == nameOrLogicalId || m.LogicalId == nameOrLogicalId)?.Arn
        ?? throw new KeyNotFoundException($"the template has no state machine '{nameOrLogicalId}' "
            + $"(it has: {string.Join(", ", Plan.StateMachines.Select(m => m.LogicalId))})");

    /// <summary>Whether the template has this state machine (by name or logical id).</summary>
    public bool HasStateMachine(string nameOrLogicalId) =>
        Plan.StateMachines.Any(m => m.Name == nameOrLogicalId || m.LogicalId == nameOrLogicalId);

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
        Volatile.Write(ref active, 0);
    }
}

/// <summary>Adapts a stop function to <see cref="IAsyncDisposable"/>.</summary>
internal sealed class Stoppable(Func<Task> stop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await stop();
}
