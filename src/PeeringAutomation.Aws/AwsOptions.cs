using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Aws;

/// <summary>
/// How the adapters reach AWS. The Functions composition root builds it from the environment
/// (template parameters); tests build it directly.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="HubAccount"/>: the account the functions run in; calls there use the base
/// credentials, never an assumed role.</item>
/// <item><see cref="MemberRoleName"/> / <see cref="MemberRoleExternalId"/>: the role assumed in every
/// other account, as <c>arn:aws:iam::&lt;account&gt;:role/&lt;MemberRoleName&gt;</c>.</item>
/// <item><see cref="EndpointUrl"/>: a single endpoint for every service (moto, the local host); null
/// on AWS.</item>
/// </list>
/// </remarks>
public sealed record AwsOptions
{
    /// <summary>The session name every assumed-role session carries (visible in CloudTrail).</summary>
    public const string DefaultRoleSessionName = "peering-automation";

    public required AccountId HubAccount { get; init; }

    /// <summary>Role name (not ARN) of the member role, e.g. <c>PeeringAutomationMember</c>.</summary>
    public required string MemberRoleName { get; init; }

    /// <summary>External id the member role's trust policy requires; null when it requires none.</summary>
    public string? MemberRoleExternalId { get; init; }

    /// <summary>Endpoint override for every AWS call (e.g. <c>http://127.0.0.1:4566</c>); null for real AWS.</summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>Session name for <c>sts:AssumeRole</c> (2-64 of <c>[\w+=,.@-]</c>).</summary>
    public string RoleSessionName { get; init; } = DefaultRoleSessionName;

    /// <summary>
    /// Assumed credentials are renewed this long before they expire, so a gateway handed out now
    /// stays usable for at least this long (longer than a Lambda invocation may run).
    /// </summary>
    public TimeSpan CredentialRenewalMargin { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>ARN partition of the accounts: <c>aws</c>, <c>aws-cn</c> or <c>aws-us-gov</c>.</summary>
    public string Partition { get; init; } = "aws";

    /// <summary>The member role's ARN in <paramref name="account"/>.</summary>
    public string MemberRoleArn(AccountId account) => $"arn:{Partition}:iam::{account}:role/{MemberRoleName}";
}
