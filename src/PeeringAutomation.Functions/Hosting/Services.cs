using PeeringAutomation.Aws;
using PeeringAutomation.Core.AutoAccept;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Core.Teardown;

namespace PeeringAutomation.Functions.Hosting;

/// <summary>
/// The composition root: builds the domain services once per Lambda container (cold start) from
/// <see cref="FunctionSettings"/>. Handlers take a <see cref="Services"/> in their test constructor.
/// </summary>
public sealed class Services
{
    private static readonly Lazy<Services> FromEnvironment = new(() => Create(FunctionSettings.FromEnvironment()));

    public Services(FunctionSettings settings, IEc2GatewayFactory gateways, IRequestLedger ledger, TimeProvider clock, IFindingStore findings)
    {
        Findings = findings;
        Lifecycle = new FindingLifecycle(findings, clock, settings.RealertAfter);
        Remediator = new FlowLogRemediator(gateways, settings.FlowLogRemediation);
        Settings = settings;
        Gateways = gateways;
        Ledger = ledger;
        Clock = clock;
        Parser = new RequestParser(clock);
        Planner = new PeeringPlanner(settings.Policy);
        Snapshots = new SnapshotReader(gateways);
        Authorizer = new RequestAuthorizer(settings.Policy);
        Intake = new RequestIntake(Parser, Planner, Snapshots, new RequestClaimer(ledger, gateways, clock), Authorizer,
            new Core.Approvals.ApprovalTriggers(settings.Policy, Authorizer), ledger, settings.Policy, clock);
        Decider = new Core.Approvals.ApprovalDecider(Parser, Planner, Snapshots, ledger, clock);
        Provisioner = new PeeringProvisioner(gateways);
        Remover = new PeeringRemover(gateways, settings.Policy);
        Teardowns = new TeardownResolver(ledger, gateways, Authorizer, settings.Policy, clock);
        AutoAcceptor = new AutoAcceptor(gateways, ledger, settings.Policy, clock);
        Compliance = new ComplianceEvaluator(gateways, ledger, settings.Policy, clock);
        ChangeIntake = new Core.Changes.ChangeIntake(Parser, Planner, Snapshots, new Core.Approvals.ApprovalTriggers(settings.Policy, Authorizer),
            ledger, settings.Policy, clock);
        ChangeApplier = new Core.Changes.ChangeApplier(gateways, Provisioner);
        ExpiryNotices = new ExpiryNotices(ledger, clock, settings.ExpiryNoticePeriod);
        ProvisioningSteps = new ProvisioningSteps(ledger, Provisioner, Remover, gateways, Parser, clock);
        ChangeSteps = new Core.Changes.ChangeSteps(ledger, ChangeApplier, clock);
        TeardownIntake = new TeardownIntake(Parser, Teardowns, Decider, ExpiryNotices);
        Teardown = new PeeringTeardown(ledger, Remover, clock);
        SweepPlanner = new ComplianceSweepPlanner(Parser, settings.Policy, clock);
        ScopeSweep = new ComplianceScopeSweep(Compliance, Lifecycle, Remediator, settings.ComplianceFindingsPageSize, new ScopeSnapshots(clock));
        Suppressor = new FindingSuppressor(findings, settings.Policy, clock);
    }

    /// <summary>Create, finish and roll back a provisioning around the ledger.</summary>
    public ProvisioningSteps ProvisioningSteps { get; }

    /// <summary>Apply and roll back a begun change.</summary>
    public Core.Changes.ChangeSteps ChangeSteps { get; }

    /// <summary>The teardown workflow's first step: a request or the schedule.</summary>
    public TeardownIntake TeardownIntake { get; }

    /// <summary>Removes one managed peering and records it torn down.</summary>
    public PeeringTeardown Teardown { get; }

    /// <summary>Which account-regions a compliance sweep covers.</summary>
    public ComplianceSweepPlanner SweepPlanner { get; }

    /// <summary>One page of one account-region's compliance sweep.</summary>
    public ComplianceScopeSweep ScopeSweep { get; }

    /// <summary>Records a platform account's suppression of a finding's alerts.</summary>
    public FindingSuppressor Suppressor { get; }

    /// <summary>Parse, authorise, validate, diff and begin a <c>Peering Change Requested</c> event.</summary>
    public Core.Changes.ChangeIntake ChangeIntake { get; }

    /// <summary>Moves a live peering between two recorded states (apply, and rollback backwards).</summary>
    public Core.Changes.ChangeApplier ChangeApplier { get; }

    /// <summary>Which peerings to warn about their coming expiry (once per expiry).</summary>
    public ExpiryNotices ExpiryNotices { get; }

    /// <summary>The services of this Lambda container, built on first use.</summary>
    public static Services Default => FromEnvironment.Value;

    public FunctionSettings Settings { get; }

    public IEc2GatewayFactory Gateways { get; }

    public TimeProvider Clock { get; }

    /// <summary>The request ledger: the source of truth for what the automation manages.</summary>
    public IRequestLedger Ledger { get; }

    /// <summary>Counts approval decisions and hands an approved request back to provisioning.</summary>
    public Core.Approvals.ApprovalDecider Decider { get; }

    /// <summary>Who may ask for what, on the envelope account.</summary>
    public RequestAuthorizer Authorizer { get; }

    /// <summary>Parse, claim and validate a <c>Peering Requested</c> event.</summary>
    public RequestIntake Intake { get; }

    public RequestParser Parser { get; }

    public PeeringPlanner Planner { get; }

    public SnapshotReader Snapshots { get; }

    public PeeringProvisioner Provisioner { get; }

    public PeeringRemover Remover { get; }

    public TeardownResolver Teardowns { get; }

    public AutoAcceptor AutoAcceptor { get; }

    public ComplianceEvaluator Compliance { get; }

    /// <summary>Finding lifecycle state (first seen, last alerted, resolved, suppressed).</summary>
    public IFindingStore Findings { get; }

    /// <summary>Who hears of a finding, and when.</summary>
    public FindingLifecycle Lifecycle { get; }

    /// <summary>Opt-in creation of missing flow logs.</summary>
    public FlowLogRemediator Remediator { get; }

    public static Services Create(FunctionSettings settings)
    {
        // Null credentials: the SDK's default chain, i.e. the function's own role (or the
        // AWS_ACCESS_KEY_ID the local stack sets).
        var sts = AwsClientConfig.CreateSts(settings.Aws, settings.HomeRegion);
        var dynamo = new Amazon.DynamoDBv2.AmazonDynamoDBClient(AwsClientConfig.DynamoDb(settings.Aws, settings.HomeRegion));
        return new Services(settings, new Ec2GatewayFactory(settings.Aws, sts), new DynamoDbRequestLedger(dynamo, settings.LedgerTableName), TimeProvider.System,
            new DynamoDbFindingStore(dynamo, settings.FindingsTableName));
    }
}
