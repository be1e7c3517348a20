using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Aws.Tests.Moto;

/// <summary>
/// Base of the moto-backed tests: a clean moto before every test, a gateway factory configured the
/// way the functions configure it, and raw SDK clients (through the same assumed roles) for
/// building fixtures behind the gateway's back.
/// </summary>
[Collection(MotoCollection.Name)]
public abstract class MotoTest(MotoFixture moto) : IAsyncLifetime, IDisposable
{
    /// <summary>moto's default account: the key <c>testing</c> lands here.</summary>
    public static readonly AccountId Hub = AccountId.Parse("123456789012");
    public static readonly AccountId Requester = AccountId.Parse("111111111111");
    public static readonly AccountId Accepter = AccountId.Parse("222222222222");
    public static readonly AwsRegion UsEast1 = AwsRegion.Parse("us-east-1");
    public static readonly AwsRegion EuWest1 = AwsRegion.Parse("eu-west-1");

    protected const string RoleName = "PeeringAutomationMember";
    protected const string ExternalId = "peering-automation-test";

    private readonly List<IDisposable> owned = [];
    private Ec2GatewayFactory? factory;

    protected MotoFixture Moto { get; } = moto;

    protected static AWSCredentials HubCredentials { get; } = new BasicAWSCredentials("testing", "testing");

    protected AwsOptions Options => new()
    {
        HubAccount = Hub,
        MemberRoleName = RoleName,
        MemberRoleExternalId = ExternalId,
        EndpointUrl = Moto.Server.Endpoint,
    };

    /// <summary>A factory wired like the composition root: hub with base credentials, members via STS.</summary>
    protected Ec2GatewayFactory Factory => factory ??= Own(new Ec2GatewayFactory(Options, Own(AwsClientConfig.CreateSts(Options, UsEast1, HubCredentials)), HubCredentials));

    // moto's reset also forgets which assumed keys belong to which account, so nothing (factory,
    // cached credentials) may outlive a test.
    public virtual Task InitializeAsync() => Moto.Server.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var item in owned)
        {
            item.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    protected Task<IEc2Gateway> GatewayAsync(AccountId account, AwsRegion region) =>
        Factory.ForAsync(new AccountRegion(account, region));

    /// <summary>A raw EC2 client in <paramref name="account"/>, for creating fixtures.</summary>
    protected async Task<IAmazonEC2> RawEc2Async(AccountId account, AwsRegion region)
    {
        var credentials = HubCredentials;
        if (account != Hub)
        {
            using var sts = new AmazonSecurityTokenServiceClient(HubCredentials, AwsClientConfig.Sts(Options, region));
            var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = Options.MemberRoleArn(account),
                RoleSessionName = "fixture",
                ExternalId = ExternalId,
            });
            credentials = new SessionAWSCredentials(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
        }
        return Own(new AmazonEC2Client(credentials, AwsClientConfig.Ec2(Options, region)));
    }

    protected static async Task<VpcId> CreateVpcAsync(IAmazonEC2 ec2, string cidr, bool ipv6 = false, params string[] secondary)
    {
        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = cidr, AmazonProvidedIpv6CidrBlock = ipv6 })).Vpc;
        foreach (var block in secondary)
        {
            await ec2.AssociateVpcCidrBlockAsync(new AssociateVpcCidrBlockRequest { VpcId = vpc.VpcId, CidrBlock = block });
        }
        return VpcId.Parse(vpc.VpcId);
    }

    protected static async Task<RouteTableId> CreateRouteTableAsync(IAmazonEC2 ec2, VpcId vpc) =>
        RouteTableId.Parse((await ec2.CreateRouteTableAsync(new CreateRouteTableRequest { VpcId = vpc.Value })).RouteTable.RouteTableId);

    protected static async Task<SecurityGroupId> CreateSecurityGroupAsync(IAmazonEC2 ec2, VpcId vpc, string name) =>
        SecurityGroupId.Parse((await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = name, Description = name, VpcId = vpc.Value,
        })).GroupId);

    private T Own<T>(T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }
}
