using PeeringAutomation.Core.Ledger;
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

    /// <summary>The envelope account of the teardown request (none for the expiry sweep).</summary>
    public string? AskedBy { get; init; }
}

/// <summary>Either the peerings to tear down, or why the teardown request was refused.</summary>
public sealed record TeardownResolution
{
    public IReadOnlyList<TeardownTarget> Targets { get; init; } = [];

    public IReadOnlyList<Reason> Reasons { get; init; } = [];

}

/// <summary>
/// Finds what a teardown acts on, in the request ledger: only a peering the ledger records as made
/// (or accepted) by the automation is ever torn down; tags, which the requester account controls,
/// decide nothing. By request id the record is read directly; by peering id through the ledger's
/// peering index, and the named account and region must be the requester's. The expiry sweep
/// queries the ledger's expiry index. A request already torn down still resolves, so a repeated
/// teardown finishes cleaning up and succeeds.
/// </summary>
public sealed class TeardownResolver(IRequestLedger ledger, IEc2GatewayFactory gateways, RequestAuthorizer authorizer, PeeringPolicy policy, TimeProvider clock)
{
    public const string Requested = "requested";
    public const string Expired = "expired";

    /// <summary>Resolves a teardown request asked by <paramref name="asker"/> (the envelope account): a side of the peering or a platform account.</summary>
    public async Task<TeardownResolution> ResolveAsync(TeardownRequest request, string? asker, CancellationToken ct = default)
    {
        var resolution = await ResolveRecordAsync(request, ct);
        if (resolution.Record is not { } record)
        {
            return resolution.Refusal!;
        }
        var refusals = authorizer.AuthorizeTeardown(record, asker);
        return refusals.Count > 0
            ? new TeardownResolution { Reasons = refusals }
            : new TeardownResolution { Targets = [Target(record, Requested) with { AskedBy = asker }] };
    }

    private async Task<(RequestRecord? Record, TeardownResolution? Refusal)> ResolveRecordAsync(TeardownRequest request, CancellationToken ct)
    {
        if (request.RequestId is { } requestId)
        {
            var record = await ledger.GetAsync(requestId, ct);
            if (record is null)
            {
                return (null, Refused(ReasonCodes.PeeringNotFound, $"requestId: the ledger has no request {requestId}"));
            }
            return record.PeeringId is null || record.Status is LedgerStatus.Rejected or LedgerStatus.Failed
                ? (null, Refused(ReasonCodes.PeeringNotFound,
                    $"requestId: request {requestId} ended {record.Status} and holds no peering; there is nothing to tear down"))
                : (record, null);
        }

        var account = request.AccountId!.Value;
        var region = request.Region!.Value;
        var id = request.VpcPeeringConnectionId!.Value;
        if (!policy.ManagedAccounts.Contains(account))
        {
            return (null, Refused(ReasonCodes.AccountNotAllowed, $"accountId: account {account} is not in ManagedAccountIds"));
        }
        if (!policy.ManagedRegions.Contains(region))
        {
            return (null, Refused(ReasonCodes.RegionNotManaged, $"region: region {region} is not in ManagedRegions"));
        }
        var known = await ledger.FindByPeeringAsync(id, ct);
        if (known is null)
        {
            var gateway = await gateways.ForAsync(new AccountRegion(account, region), ct);
            return (null, await gateway.DescribePeeringConnectionAsync(id, ct) is null
                ? Refused(ReasonCodes.PeeringNotFound, $"vpcPeeringConnectionId: peering {id} does not exist in {account}/{region}")
                : Refused(ReasonCodes.PeeringNotManaged,
                    $"vpcPeeringConnectionId: peering {id} is not in the request ledger (not made or accepted by the automation, " +
                    "whatever its tags say); it is never torn down automatically"));
        }
        if (known.Requester.Account != account || known.Requester.Region != region)
        {
            return (null, Refused(ReasonCodes.InvalidRequest,
                $"accountId/region: name the requester's account and region ({known.Requester.Account}/{known.Requester.Region})"));
        }
        return (known, null);
    }

    /// <summary>Live requests past their <c>expiresAt</c>, from the ledger's expiry index.</summary>
    public async Task<TeardownResolution> ExpiredAsync(CancellationToken ct = default)
    {
        var expired = await ledger.ExpiredAsync(clock.GetUtcNow(), ct);
        return new TeardownResolution
        {
            Targets = expired.Where(r => r.PeeringId is not null).Select(r => Target(r, Expired)).ToList(),
        };
    }

    private static TeardownTarget Target(RequestRecord record, string trigger) => new()
    {
        RequestId = record.RequestId,
        PeeringId = record.PeeringId!.Value,
        Requester = record.Requester,
        Accepter = record.Accepter,
        Trigger = trigger,
        ExpiresAt = record.ExpiresAt is { } at ? LedgerTime.Of(at) : null,
    };

    private static TeardownResolution Refused(string code, string message) => new() { Reasons = [new Reason(code, message)] };
}
