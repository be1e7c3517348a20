using System.Collections.Concurrent;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.SQS;

namespace PeeringAutomation.Local.Aws;

/// <summary>
/// SDK clients against the local endpoint, per account and region, the way the functions get
/// them: the hub uses the <c>testing</c> key; any other account is reached by
/// <c>sts:AssumeRole</c> on its member role (moto maps the returned keys to that account).
/// <see cref="Amazon.Runtime.ClientConfig.AuthenticationRegion"/> is set so moto files calls
/// under the intended region.
/// </summary>
public sealed class AccountClients(Uri endpoint, string hubAccountId, string hubRegion, string memberRoleName) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<AWSCredentials>>> credentials = new();
    private readonly ConcurrentDictionary<(string, string), IAmazonEC2> ec2 = new();
    private readonly List<IDisposable> owned = [];

    /// <summary>The hub account's static test credentials.</summary>
    public static AWSCredentials HubCredentials { get; } = new BasicAWSCredentials("testing", "testing");

    public string HubAccountId => hubAccountId;

    public string MemberRoleName => memberRoleName;

    /// <summary>Credentials for <paramref name="accountId"/> (assumed once, then cached).</summary>
    public Task<AWSCredentials> CredentialsForAsync(string accountId) =>
        accountId == hubAccountId
            ? Task.FromResult(HubCredentials)
            : credentials.GetOrAdd(accountId, id => new Lazy<Task<AWSCredentials>>(() => AssumeAsync(id))).Value;

    /// <summary>An EC2 client in <paramref name="accountId"/> and <paramref name="region"/>.</summary>
    public async Task<IAmazonEC2> Ec2Async(string accountId, string region)
    {
        if (ec2.TryGetValue((accountId, region), out var existing))
        {
            return existing;
        }
        var client = Behaviour.Readiness.MarkInternal(new AmazonEC2Client(await CredentialsForAsync(accountId), Config(new AmazonEC2Config(), region)));
        if (ec2.TryAdd((accountId, region), client))
        {
            lock (owned)
            {
                owned.Add(client);
            }
            return client;
        }
        client.Dispose();
        return ec2[(accountId, region)];
    }

    /// <summary>An SQS client in the hub account and region.</summary>
    public IAmazonSQS HubSqs()
    {
        var client = Behaviour.Readiness.MarkInternal(new AmazonSQSClient(HubCredentials, Config(new AmazonSQSConfig(), hubRegion)));
        lock (owned)
        {
            owned.Add(client);
        }
        return client;
    }

    /// <summary>A DynamoDB client in the hub account and region (the request ledger's table lives there).</summary>
    public Amazon.DynamoDBv2.IAmazonDynamoDB HubDynamoDb()
    {
        var client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(HubCredentials, Config(new Amazon.DynamoDBv2.AmazonDynamoDBConfig(), hubRegion));
        lock (owned)
        {
            owned.Add(client);
        }
        return client;
    }

    /// <summary>An STS client for the hub.</summary>
    public IAmazonSecurityTokenService HubSts(string? region = null) =>
        Behaviour.Readiness.MarkInternal(new AmazonSecurityTokenServiceClient(HubCredentials, Config(new AmazonSecurityTokenServiceConfig(), region ?? hubRegion)));

    private async Task<AWSCredentials> AssumeAsync(string accountId)
    {
        using var sts = HubSts();
        var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = $"arn:aws:iam::{accountId}:role/{memberRoleName}",
            RoleSessionName = "peering-automation-local",
        });
        var c = response.Credentials;
        return new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
    }

    private T Config<T>(T config, string region)
        where T : ClientConfig
    {
        config.ServiceURL = endpoint.ToString();
        config.AuthenticationRegion = region;
        config.MaxErrorRetry = 2;
        return config;
    }

    public void Dispose()
    {
        lock (owned)
        {
            owned.ForEach(c => c.Dispose());
            owned.Clear();
        }
    }
}
