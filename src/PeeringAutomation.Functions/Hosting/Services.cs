using PeeringAutomation.Aws;
using PeeringAutomation.Core.AutoAccept;
using PeeringAutomation.Core.Compliance;
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

    public Services(FunctionSettings settings, IEc2GatewayFactory gateways, TimeProvider clock)
    {
        Settings = settings;
        Gateways = gateways;
        Clock = clock;
        Parser = new RequestParser(clock);
        Validator = new PeeringRequestValidator(settings.Policy);
        Snapshots = new SnapshotReader(gateways);
        Provisioner = new PeeringProvisioner(gateways, settings.Policy);
        Remover = new PeeringRemover(gateways);
        Teardowns = new TeardownResolver(gateways, settings.Policy, clock);
        AutoAcceptor = new AutoAcceptor(gateways, settings.Policy, clock);
        Compliance = new ComplianceEvaluator(gateways, settings.Policy, clock);
    }

    /// <summary>The services of this Lambda container, built on first use.</summary>
    public static Services Default => FromEnvironment.Value;

    public FunctionSettings Settings { get; }

    public IEc2GatewayFactory Gateways { get; }

    public TimeProvider Clock { get; }

    public RequestParser Parser { get; }

    public PeeringRequestValidator Validator { get; }

    public SnapshotReader Snapshots { get; }

    public PeeringProvisioner Provisioner { get; }

    public PeeringRemover Remover { get; }

    public TeardownResolver Teardowns { get; }

    public AutoAcceptor AutoAcceptor { get; }

    public ComplianceEvaluator Compliance { get; }

    public static Services Create(FunctionSettings settings)
    {
        // Null credentials: the SDK's default chain, i.e. the function's own role (or the
        // AWS_ACCESS_KEY_ID the local stack sets).
        var sts = AwsClientConfig.CreateSts(settings.Aws, settings.HomeRegion);
        return new Services(settings, new Ec2GatewayFactory(settings.Aws, sts), TimeProvider.System);
    }
}
