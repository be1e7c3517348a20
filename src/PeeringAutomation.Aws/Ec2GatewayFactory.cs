using System.Collections.Concurrent;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Aws;

/// <summary>
/// Hands out <see cref="Ec2Gateway"/>s per account and region. The hub account uses
/// <c>hubCredentials</c> (null: the SDK's default chain, i.e. the function's own role); every other
/// account assumes <see cref="AwsOptions.MemberRoleArn"/> through the injected STS client.
/// Assumed credentials and EC2 clients are cached per account (and region) and renewed
/// <see cref="AwsOptions.CredentialRenewalMargin"/> before they expire; safe to share between
/// threads and to keep for the life of a Lambda container.
/// </summary>
/// <example>
/// <code>
/// var options = new AwsOptions { HubAccount = AccountId.Parse("123456789012"), MemberRoleName = "PeeringAutomationMember", MemberRoleExternalId = "…" };
/// var sts = AwsClientConfig.CreateSts(options, AwsRegion.Parse("eu-west-1"));
/// var factory = new Ec2GatewayFactory(options, sts);
/// var gateway = await factory.ForAsync(new AccountRegion(AccountId.Parse("111111111111"), AwsRegion.Parse("us-east-1")));
/// </code>
/// </example>
public sealed class Ec2GatewayFactory(
    AwsOptions options,
    IAmazonSecurityTokenService sts,
    AWSCredentials? hubCredentials = null,
    TimeProvider? time = null) : IEc2GatewayFactory, IDisposable
{
    /// <summary>Session length asked for; the member role's MaxSessionDuration is at least an hour.</summary>
    private const int SessionSeconds = 3600;

    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<AccountId, AssumedCredentials> credentials = new();
    private readonly ConcurrentDictionary<AccountId, SemaphoreSlim> assuming = new();
    private readonly ConcurrentDictionary<AccountRegion, ScopedClient> clients = new();

    public async Task<IEc2Gateway> ForAsync(AccountRegion scope, CancellationToken ct = default)
    {
        var identity = scope.Account == options.HubAccount ? hubCredentials : await MemberCredentialsAsync(scope.Account, ct);
        return new Ec2Gateway(ClientFor(scope, identity), scope);
    }

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Client.Dispose();
        }
        clients.Clear();
        foreach (var gate in assuming.Values)
        {
            gate.Dispose();
        }
    }

    private IAmazonEC2 ClientFor(AccountRegion scope, AWSCredentials? identity)
    {
        // One client per scope and credentials: clients are costly to build and hold connection
        // pools. A client built on credentials since renewed is replaced, not disposed, because a
        // gateway handed out earlier may still be using it.
        var current = clients.AddOrUpdate(
            scope,
            _ => new ScopedClient(identity, CreateClient(scope, identity)),
            (_, existing) => ReferenceEquals(existing.Credentials, identity) ? existing : new ScopedClient(identity, CreateClient(scope, identity)));
        return current.Client;
    }

    private AmazonEC2Client CreateClient(AccountRegion scope, AWSCredentials? identity)
    {
        var config = AwsClientConfig.Ec2(options, scope.Region);
        return identity is null ? new AmazonEC2Client(config) : new AmazonEC2Client(identity, config);
    }

    private async Task<AWSCredentials> MemberCredentialsAsync(AccountId account, CancellationToken ct)
    {
        if (credentials.TryGetValue(account, out var cached) && clock.GetUtcNow() < cached.RenewAt)
        {
            return cached.Credentials;
        }
        // One AssumeRole per account at a time: concurrent callers wait for it instead of each
        // calling STS (and getting throttled) after a renewal point.
        var gate = assuming.GetOrAdd(account, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (credentials.TryGetValue(account, out cached) && clock.GetUtcNow() < cached.RenewAt)
            {
                return cached.Credentials;
            }
            var fresh = await AssumeMemberRoleAsync(account, ct);
            credentials[account] = fresh;
            return fresh.Credentials;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<AssumedCredentials> AssumeMemberRoleAsync(AccountId account, CancellationToken ct)
    {
        var roleArn = options.MemberRoleArn(account);
        var request = new AssumeRoleRequest
        {
            RoleArn = roleArn,
            RoleSessionName = options.RoleSessionName,
            DurationSeconds = SessionSeconds,
        };
        if (!string.IsNullOrEmpty(options.MemberRoleExternalId))
        {
            request.ExternalId = options.MemberRoleExternalId;
        }
        AssumeRoleResponse response;
        var where = $"account {account} (role {roleArn})";
        try
        {
            response = await sts.AssumeRoleAsync(request, ct);
        }
        catch (AmazonServiceException e)
        {
            var mapped = AwsErrorMapper.Map(e, "sts:AssumeRole", where);
            if (mapped is AwsThrottled or AwsTransientFailure)
            {
                throw mapped; // worth a retry: the role itself may be fine
            }
            throw new MemberRoleUnavailable(
                $"Cannot assume the member role {roleArn} in account {account}: {mapped.AwsErrorCode}: {e.Message}. " +
                "Check that the member role stack is deployed there and trusts this function with the configured external id.",
                e) { AwsErrorCode = mapped.AwsErrorCode };
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new AwsTransientFailure($"sts:AssumeRole in {where} timed out", e);
        }
        catch (Exception e) when (AwsErrorMapper.MapTransport(e, "sts:AssumeRole", where) is { } mapped)
        {
            throw mapped;
        }

        var issued = response.Credentials
            ?? throw new MemberRoleUnavailable($"sts:AssumeRole of {roleArn} returned no credentials");
        var expires = issued.Expiration is { } expiration
            ? Ec2Mapper.ToUtc(expiration)
            : clock.GetUtcNow().AddSeconds(SessionSeconds);
        return new AssumedCredentials(
            new SessionAWSCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken),
            expires - options.CredentialRenewalMargin);
    }

    private sealed record AssumedCredentials(AWSCredentials Credentials, DateTimeOffset RenewAt);

    private sealed record ScopedClient(AWSCredentials? Credentials, AmazonEC2Client Client);
}
