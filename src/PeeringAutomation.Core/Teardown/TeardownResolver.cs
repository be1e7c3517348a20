using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Teardown;

/// <summary>A managed peering to remove, with what identifies its sides.</summary>
public sealed record TeardownTarget
{
    public required RequestId RequestId { get; init; }

    public required PeeringConnectionId PeeringId { get; init; }

    public required PeeringSideInfo Requester { get; init; }

    public required PeeringSideInfo Accepter { get; init; }

    /// <summary><c>requested</c> or <c>expired</c>.</summary>
    public required string Trigger { get; init; }

    public string? ExpiresAt { get; init; }
}

/// <summary>Either the peerings to tear down, or why the teardown request was refused.</summary>
public sealed record TeardownResolution
{
    public IReadOnlyList<TeardownTarget> Targets { get; init; } = [];

    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    /// <summary>Account-regions that could not be searched (their member role could not be assumed).</summary>
    public IReadOnlyList<string> Unreachable { get; init; } = [];
}

/// <summary>
/// Finds what a teardown acts on. Only peerings tagged as managed are ever torn down. By request
/// id, every managed account and region is searched (the request names no place); by peering id,
/// only the requester's. A peering already deleted still resolves, so a repeated teardown
/// finishes cleaning up and succeeds.
/// </summary>
public sealed class TeardownResolver(IEc2GatewayFactory gateways, PeeringPolicy policy, TimeProvider clock)
{
    public const string Requested = "requested";
    public const string Expired = "expired";

    public async Task<TeardownResolution> ResolveAsync(TeardownRequest request, CancellationToken ct = default)
    {
        if (request.RequestId is { } requestId)
        {
            var (all, unreachable) = await AllManagedPeeringsAsync(ct);
            var found = all
                .Where(p => ManagedMarkers.RequestIdOf(p) == requestId)
                .OrderBy(p => PeeringStatus.IsLive(p.Status) ? 0 : 1)
                .ToList();
            var notSearched = unreachable.Count == 0 ? "" : $" (not searched, member role unavailable: {string.Join(", ", unreachable)})";
            return found.Count == 0
                ? Refused(ReasonCodes.PeeringNotFound,
                    $"requestId: no peering created by request {requestId} exists in the managed accounts and regions{notSearched}") with { Unreachable = unreachable }
                : new TeardownResolution { Targets = [Target(found[0], Requested)], Unreachable = unreachable };
        }

        var account = request.AccountId!.Value;
        var region = request.Region!.Value;
        var id = request.VpcPeeringConnectionId!.Value;
        if (!policy.ManagedAccounts.Contains(account))
        {
            return Refused(ReasonCodes.AccountNotAllowed, $"accountId: account {account} is not in ManagedAccountIds");
        }
        if (!policy.ManagedRegions.Contains(region))
        {
            return Refused(ReasonCodes.RegionNotManaged, $"region: region {region} is not in ManagedRegions");
        }
        var gateway = await gateways.ForAsync(new AccountRegion(account, region), ct);
        var peering = await gateway.DescribePeeringConnectionAsync(id, ct);
        if (peering is null)
        {
            return Refused(ReasonCodes.PeeringNotFound, $"vpcPeeringConnectionId: peering {id} does not exist in {account}/{region}");
        }
        if (!ManagedMarkers.IsManaged(peering) || ManagedMarkers.RequestIdOf(peering) is null)
        {
            return Refused(ReasonCodes.PeeringNotManaged,
                $"vpcPeeringConnectionId: peering {id} was not created by the automation (no {ManagedMarkers.ManagedTag} tag); " +
                "it is never torn down automatically");
        }
        if (peering.Requester.Account != account || peering.Requester.Region != region)
        {
            return Refused(ReasonCodes.InvalidRequest,
                $"accountId/region: name the requester's account and region ({peering.Requester.Account}/{peering.Requester.Region})");
        }
        return new TeardownResolution { Targets = [Target(peering, Requested)] };
    }

    /// <summary>Managed, still-live peerings whose <c>expires-at</c> tag has passed.</summary>
    public async Task<TeardownResolution> ExpiredAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var (all, unreachable) = await AllManagedPeeringsAsync(ct);
        var expired = all
            .Where(p => PeeringStatus.IsLive(p.Status) && ExpiresAt(p) is { } at && at <= now)
            .Select(p => Target(p, Expired))
            .ToList();
        return new TeardownResolution { Targets = expired, Unreachable = unreachable };
    }

    public static DateTimeOffset? ExpiresAt(PeeringConnection peering) =>
        peering.Tags.TryGetValue(ManagedMarkers.ExpiresAtTag, out var text)
        && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;

    /// <summary>Managed peerings of every reachable account-region; one unreachable account does not stop the search.</summary>
    private async Task<(IReadOnlyList<PeeringConnection> Peerings, IReadOnlyList<string> Unreachable)> AllManagedPeeringsAsync(CancellationToken ct)
    {
        var scans = policy.ManagedScopes.Select(async scope =>
            {
                try
                {
                    var gateway = await gateways.ForAsync(scope, ct);
                    // Read on the requester's side only: that is where the automation's tags are
                    // authoritative, and it lists each peering once.
                    var peerings = (await gateway.DescribePeeringConnectionsAsync(ct))
                        .Where(p => p.Requester.Account == scope.Account && p.Requester.Region == scope.Region && ManagedMarkers.IsManaged(p))
                        .ToList();
                    return (Peerings: peerings, Unreachable: (string?)null);
                }
                catch (PeeringAutomationError error) when (error is MemberRoleUnavailable or AwsAccessDenied)
                {
                    return (Peerings: new List<PeeringConnection>(), Unreachable: scope.ToString());
                }
            });
        var results = await Task.WhenAll(scans);
        return (results.SelectMany(r => r.Peerings).DistinctBy(p => p.Id).ToList(),
                results.Select(r => r.Unreachable).OfType<string>().ToList());
    }

    private static TeardownTarget Target(PeeringConnection peering, string trigger) => new()
    {
        RequestId = ManagedMarkers.RequestIdOf(peering)!.Value,
        PeeringId = peering.Id,
        Requester = peering.Requester,
        Accepter = peering.Accepter,
        Trigger = trigger,
        ExpiresAt = ExpiresAt(peering)?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    };

    private static TeardownResolution Refused(string code, string message) => new() { Reasons = [new Reason(code, message)] };
}
