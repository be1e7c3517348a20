using System.Text.Json;
using System.Text.Json.Nodes;
using PeeringAutomation.Core.Approvals;
using PeeringAutomation.Core.AutoAccept;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Core.Teardown;

namespace PeeringAutomation.Core.Tests.UseCases;

/// <summary>A clock the test moves.</summary>
internal sealed class MovableClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// The <see cref="PeeringWorld"/> with the Core use cases composed on its in-memory EC2, ledger and
/// findings store (as the Functions composition root does), and a provisioning driver that calls
/// them in the state machine's order.
/// </summary>
internal sealed class UseCaseWorld : PeeringWorld
{
    public UseCaseWorld(PeeringPolicy? policy = null, TimeProvider? clock = null)
    {
        var rules = policy ?? Policy();
        Clock = clock ?? TimeProvider.System;
        Parser = new RequestParser(Clock);
        var planner = new PeeringPlanner(rules);
        var snapshots = new SnapshotReader(Ec2);
        var authorizer = new RequestAuthorizer(rules);
        Intake = new RequestIntake(Parser, planner, snapshots, new RequestClaimer(Ledger, Ec2, Clock), authorizer,
            new ApprovalTriggers(rules, authorizer), Ledger, rules, Clock);
        var decider = new ApprovalDecider(Parser, planner, snapshots, Ledger, Clock);
        Provisioner = new PeeringProvisioner(Ec2);
        var remover = new PeeringRemover(Ec2, rules);
        Steps = new ProvisioningSteps(Ledger, Provisioner, remover, Ec2, Parser, Clock);
        TeardownIntake = new TeardownIntake(Parser, new TeardownResolver(Ledger, Ec2, authorizer, rules, Clock), decider,
            new ExpiryNotices(Ledger, Clock, ExpiryNotices.DefaultNoticePeriod));
        Teardown = new PeeringTeardown(Ledger, remover, Clock);
        AutoAcceptor = new AutoAcceptor(Ec2, Ledger, rules, Clock);
        Evaluator = new ComplianceEvaluator(Ec2, Ledger, rules, Clock);
        SweepPlanner = new ComplianceSweepPlanner(Parser, rules, Clock);
        ScopeSweep = new ComplianceScopeSweep(Evaluator, new FindingLifecycle(Findings, Clock, FindingLifecycle.DefaultRealertAfter),
            new FlowLogRemediator(Ec2, FlowLogRemediationSettings.Off), pageSize: 100, Snapshots);
    }

    public TimeProvider Clock { get; }

    /// <summary>The scope snapshots the scope sweep keeps between pages (as one function container would).</summary>
    public ScopeSnapshots Snapshots => snapshots ??= new ScopeSnapshots(Clock);

    private ScopeSnapshots? snapshots;

    public RequestParser Parser { get; }

    public RequestIntake Intake { get; }

    public PeeringProvisioner Provisioner { get; }

    public ProvisioningSteps Steps { get; }

    public TeardownIntake TeardownIntake { get; }

    public PeeringTeardown Teardown { get; }

    public AutoAcceptor AutoAcceptor { get; }

    public ComplianceEvaluator Evaluator { get; }

    public ComplianceSweepPlanner SweepPlanner { get; }

    public ComplianceScopeSweep ScopeSweep { get; }

    /// <summary>An event as the use cases receive it (the handlers parse the Lambda input into this).</summary>
    public static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;

    /// <summary>Intake → create → accept → routes → groups, as the state machine runs them; finish is left to the test.</summary>
    public async Task<(PeeringRequest Request, PeeringPlan Plan, PeeringConnectionId Peering)> ProvisionAsync(JsonObject? envelope = null)
    {
        var outcome = await Intake.TakeAsync(Element(envelope ?? Event()), ExecutionArn);
        outcome.IsAccepted.ShouldBeTrue(string.Join("; ", outcome.Reasons));
        var (request, plan) = (outcome.Request!, outcome.Plan!);
        var peering = (await Steps.CreateAsync(request, plan, ExecutionArn)).Id;
        await Provisioner.AcceptAsync(request, peering);
        await Provisioner.ConfigureRoutesAsync(plan.Requester, peering);
        await Provisioner.ConfigureRoutesAsync(plan.Accepter, peering);
        await Provisioner.ConfigureSecurityGroupsAsync(plan.Requester, request.RequestId);
        await Provisioner.ConfigureSecurityGroupsAsync(plan.Accepter, request.RequestId);
        return (request, plan, peering);
    }

    /// <summary>Routes in both tables that point at a peering.</summary>
    public IEnumerable<Route> PeeringRoutes => Ec2.RouteTables.SelectMany(t => t.Table.Routes).Where(r => r.TargetKind == RouteTargetKind.PeeringConnection);

    /// <summary>The ledger status of a request.</summary>
    public string StatusOf(RequestId requestId) => Ledger.Records[requestId].Status;
}
