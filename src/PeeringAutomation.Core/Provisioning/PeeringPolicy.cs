using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>
/// What the platform team configured (template parameters): which accounts and regions the
/// automation manages, whose peerings it accepts, and the quotas it enforces before AWS does.
/// </summary>
public sealed record PeeringPolicy
{
    public required IReadOnlySet<AccountId> ManagedAccounts { get; init; }

    public required IReadOnlySet<AwsRegion> ManagedRegions { get; init; }

    /// <summary>Requesters whose externally made peerings the auto-accept scan may accept; empty means nobody.</summary>
    public IReadOnlySet<AccountId> AllowedPeerAccounts { get; init; } = new HashSet<AccountId>();

    /// <summary>Accounts that may ask for anything the policy allows (PlatformAccountIds; default the hub).</summary>
    public IReadOnlySet<AccountId> PlatformAccounts { get; init; } = new HashSet<AccountId>();

    public bool AllowAllTraffic { get; init; }

    /// <summary>Inter-region peerings need a platform account's approval (ApproveInterRegion).</summary>
    public bool ApproveInterRegion { get; init; }

    /// <summary>How long a request waits for its approvals (ApprovalTimeout; default 72 h, at most 30 days).</summary>
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromHours(72);

    public bool RejectUnlistedRequests { get; init; }

    /// <summary>Active peerings per VPC (AWS default 50, adjustable to 125).</summary>
    public int MaxPeeringsPerVpc { get; init; } = 50;

    /// <summary>Routes per route table, IPv4 and IPv6 counted apart (AWS default 50).</summary>
    public int MaxRoutesPerTable { get; init; } = 50;

    /// <summary>Inbound rules per security group (AWS default 60).</summary>
    public int MaxInboundRulesPerGroup { get; init; } = 60;

    /// <summary>Every managed account × managed region: what scans and sweeps cover.</summary>
    public IEnumerable<AccountRegion> ManagedScopes =>
        ManagedAccounts.SelectMany(account => ManagedRegions.Select(region => new AccountRegion(account, region)));

    /// <summary>Whether the auto-accept scan may accept a peering this account requested.</summary>
    public bool IsAllowedRequester(AccountId account) => AllowedPeerAccounts.Contains(account);

    public bool IsPlatform(string? account) => account is not null && PlatformAccounts.Any(p => p.Value == account);
}

/// <summary>The tag keys and descriptions by which the automation recognises what it made.</summary>
public static class ManagedMarkers
{
    public const string RequestIdTag = "peering-automation:request-id";
    public const string ManagedTag = "peering-automation:managed";
    public const string RequesterTag = "peering-automation:requester";
    public const string AccepterTag = "peering-automation:accepter";
    public const string ExpiresAtTag = "peering-automation:expires-at";
    public const string RequestedByTag = "peering-automation:requested-by";
    public const string AcceptedByTag = "peering-automation:accepted-by";

    /// <summary>On an accepter VPC (set in its own account): who may peer into it without asking.</summary>
    public const string AcceptFromTag = "peering-automation:accept-from";

    /// <summary>The description every security-group rule of a request carries.</summary>
    public static string RuleDescription(RequestId requestId) => $"peering-automation {requestId}";

    public static bool IsManaged(PeeringConnection peering) =>
        peering.Tags.TryGetValue(ManagedTag, out var value) && value == "true";

    public static RequestId? RequestIdOf(PeeringConnection peering) =>
        peering.Tags.TryGetValue(RequestIdTag, out var value) && Identifier.TryParse<RequestId>(value, out var id, out _)
            ? id
            : null;
}
