using System.Net;
using Amazon;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Aws.Tests.Unit;

public sealed class Ec2GatewayFactoryTests : IDisposable
{
    private static readonly AccountId Hub = AccountId.Parse("123456789012");
    private static readonly AccountId Member = AccountId.Parse("111111111111");
    private static readonly AwsRegion UsEast1 = AwsRegion.Parse("us-east-1");
    private static readonly AwsRegion EuWest1 = AwsRegion.Parse("eu-west-1");

    private readonly ManualTime clock = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly IAmazonSecurityTokenService sts;
    private readonly FakeAwsClient fake;
    private readonly Ec2GatewayFactory factory;
    private int issued;

    public Ec2GatewayFactoryTests()
    {
        (sts, fake) = FakeAwsClient.Create<IAmazonSecurityTokenService>();
        fake.On<AssumeRoleRequest, AssumeRoleResponse>("AssumeRoleAsync", async _ =>
        {
            // Yield so concurrent callers genuinely overlap inside the factory.
            await Task.Delay(20);
            var n = Interlocked.Increment(ref issued);
            return new AssumeRoleResponse
            {
                Credentials = new Credentials
                {
                    AccessKeyId = $"ASIA{n:D16}", SecretAccessKey = "secret", SessionToken = "token",
                    Expiration = clock.GetUtcNow().AddHours(1).UtcDateTime,
                },
            };
        });
        factory = new Ec2GatewayFactory(Options(), sts, new Amazon.Runtime.BasicAWSCredentials("hub", "hub"), clock);
    }

    public void Dispose() => factory.Dispose();

    private static AwsOptions Options(Uri? endpoint = null) => new()
    {
        HubAccount = Hub, MemberRoleName = "PeeringAutomationMember", MemberRoleExternalId = "ext-123", EndpointUrl = endpoint,
    };

    [Fact]
    public async Task Ec2GatewayFactoryFor_AssumesTheMemberRoleWithExternalIdAndSessionName()
    {
        var gateway = await factory.ForAsync(new AccountRegion(Member, EuWest1));

        gateway.Scope.ShouldBe(new AccountRegion(Member, EuWest1));
        var request = fake.Requests<AssumeRoleRequest>().ShouldHaveSingleItem();
        request.RoleArn.ShouldBe("arn:aws:iam::111111111111:role/PeeringAutomationMember");
        request.ExternalId.ShouldBe("ext-123");
        request.RoleSessionName.ShouldBe("peering-automation");
    }

    [Fact]
    public async Task Ec2GatewayFactoryFor_NeverCallsStsGivenTheHubAccount()
    {
        await factory.ForAsync(new AccountRegion(Hub, UsEast1));
        await factory.ForAsync(new AccountRegion(Hub, EuWest1));

        fake.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task Ec2GatewayFactoryFor_ReusesCredentialsAcrossRegionsUntilShortlyBeforeExpiry()
    {
        await factory.ForAsync(new AccountRegion(Member, UsEast1));
        await factory.ForAsync(new AccountRegion(Member, EuWest1));
        clock.Now += TimeSpan.FromMinutes(44);
        await factory.ForAsync(new AccountRegion(Member, UsEast1));

        issued.ShouldBe(1);

        // Within the renewal margin (15 min before the hour): renewed.
        clock.Now += TimeSpan.FromMinutes(2);
        await factory.ForAsync(new AccountRegion(Member, UsEast1));

        issued.ShouldBe(2);
    }

    /// <summary>
    /// SnapStart: a snapshot taken with cached credentials may be restored hours later. The cache is checked
    /// against the clock on every use, so the restored function assumes the role again instead of serving
    /// expired credentials (no runtime hook needed; Amazon.Lambda.Core is not used).
    /// </summary>
    [Fact]
    public async Task Ec2GatewayFactoryFor_AssumesAgainGivenASnapshotRestoredAfterTheCredentialsExpired()
    {
        var first = await factory.ForAsync(new AccountRegion(Member, UsEast1));
        issued.ShouldBe(1);

        clock.Now += TimeSpan.FromHours(6);
        var restored = await factory.ForAsync(new AccountRegion(Member, UsEast1));

        issued.ShouldBe(2);
        restored.ShouldNotBeSameAs(first);
    }

    [Fact]
    public async Task Ec2GatewayFactoryFor_AssumesOnceGivenConcurrentCallersForOneAccount()
    {
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => factory.ForAsync(new AccountRegion(Member, i % 2 == 0 ? UsEast1 : EuWest1)))));

        issued.ShouldBe(1);
    }

    [Fact]
    public async Task Ec2GatewayFactoryFor_ThrowsMemberRoleUnavailableNamingAccountAndRoleGivenAccessDenied()
    {
        fake.On<AssumeRoleRequest, AssumeRoleResponse>("AssumeRoleAsync", _ => Task.FromException<AssumeRoleResponse>(
            AwsErrors.Sts("AccessDenied", message: "User: arn:aws:sts::123456789012:assumed-role/fn/x is not authorized to perform: sts:AssumeRole")));

        var error = await Should.ThrowAsync<MemberRoleUnavailable>(() => factory.ForAsync(new AccountRegion(Member, UsEast1)));

        error.Message.ShouldContain("111111111111");
        error.Message.ShouldContain("arn:aws:iam::111111111111:role/PeeringAutomationMember");
        error.AwsErrorCode.ShouldBe("AccessDenied");
        error.InnerException.ShouldBeOfType<AmazonSecurityTokenServiceException>();
    }

    [Fact]
    public async Task Ec2GatewayFactoryFor_ThrowsAwsThrottledGivenStsThrottling()
    {
        fake.On<AssumeRoleRequest, AssumeRoleResponse>("AssumeRoleAsync", _ => Task.FromException<AssumeRoleResponse>(
            AwsErrors.Sts("Throttling", HttpStatusCode.BadRequest, "Rate exceeded")));

        var error = await Should.ThrowAsync<AwsThrottled>(() => factory.ForAsync(new AccountRegion(Member, UsEast1)));

        error.Message.ShouldContain("arn:aws:iam::111111111111:role/PeeringAutomationMember");
    }

    [Fact]
    public async Task Ec2GatewayFactoryFor_RetriesStsAfterAFailure()
    {
        var fail = true;
        fake.On<AssumeRoleRequest, AssumeRoleResponse>("AssumeRoleAsync", _ => fail
            ? Task.FromException<AssumeRoleResponse>(AwsErrors.Sts("AccessDenied"))
            : Task.FromResult(new AssumeRoleResponse
            {
                Credentials = new Credentials { AccessKeyId = "ASIAAAAAAAAAAAAAAAAA", SecretAccessKey = "s", SessionToken = "t", Expiration = clock.GetUtcNow().AddHours(1).UtcDateTime },
            }));
        await Should.ThrowAsync<MemberRoleUnavailable>(() => factory.ForAsync(new AccountRegion(Member, UsEast1)));

        fail = false;

        (await factory.ForAsync(new AccountRegion(Member, UsEast1))).Scope.Account.ShouldBe(Member);
    }

    [Fact]
    public void AwsClientConfigEc2_SetsServiceUrlAndAuthenticationRegionGivenAnEndpoint()
    {
        var config = AwsClientConfig.Ec2(Options(new Uri("http://127.0.0.1:4566")), EuWest1);

        config.ServiceURL.ShouldStartWith("http://127.0.0.1:4566");
        config.AuthenticationRegion.ShouldBe("eu-west-1");
        config.RegionEndpoint.ShouldBeNull();
    }

    [Fact]
    public void AwsClientConfigEc2_UsesTheRegionEndpointGivenNoEndpoint()
    {
        var config = AwsClientConfig.Ec2(Options(), EuWest1);

        config.RegionEndpoint.ShouldBe(RegionEndpoint.EUWest1);
        config.ServiceURL.ShouldBeNull();
        AwsClientConfig.Sts(Options(), EuWest1).RegionEndpoint.ShouldBe(RegionEndpoint.EUWest1);
    }

    [Fact]
    public void AwsOptionsMemberRoleArn_NamesTheRoleInTheAccount() =>
        Options().MemberRoleArn(Member).ShouldBe("arn:aws:iam::111111111111:role/PeeringAutomationMember");
}
