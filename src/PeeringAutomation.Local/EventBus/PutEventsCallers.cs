using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.EventBus;

/// <summary>Who put events, as a bus policy sees it: the account and the principal ARN.</summary>
public sealed record Caller(string Account, string PrincipalArn);

/// <summary>
/// The principal of a PutEvents call. The account behind an access key comes from the behaviour
/// layer's <see cref="Behaviour.CallerIdentities"/> (it asks moto once per key); <c>testing</c> is
/// the hub and <c>ak</c> — what moto's Step Functions engine signs with — stands for the state
/// machines' roles, the only principals a bus policy tells apart by ARN here.
/// </summary>
public sealed partial class PutEventsCallers(Behaviour.CallerIdentities identities, string hubAccount, string stateMachineRoleArn)
{
    public const string HubKey = "testing";
    public const string StateMachineKey = "ak";

    /// <summary>The access key named in a SigV4 <c>Authorization</c> header (null when absent).</summary>
    public static string? AccessKeyOf(string? authorization) =>
        authorization is not null && CredentialPattern().Match(authorization) is { Success: true } match ? match.Groups[1].Value : null;

    public async Task<Caller> ResolveAsync(HttpRequest request, CancellationToken ct)
    {
        switch (AccessKeyOf(request.Headers.Authorization))
        {
            case null or HubKey:
                return new Caller(hubAccount, $"arn:aws:iam::{hubAccount}:root");
            case StateMachineKey:
                return new Caller(hubAccount, stateMachineRoleArn);
        }
        var account = (await identities.ResolveAsync(request, ct))?.Account ?? hubAccount;
        return new Caller(account, $"arn:aws:iam::{account}:root");
    }

    [GeneratedRegex(@"Credential=([^/,\s]+)/")]
    private static partial Regex CredentialPattern();
}
