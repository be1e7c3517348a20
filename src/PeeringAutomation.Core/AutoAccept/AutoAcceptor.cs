using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.AutoAccept;

/// <summary>What the scan decided about one pending peering into a managed VPC.</summary>
public sealed record AcceptanceDecision
{
    public required PeeringConnectionId PeeringId { get; init; }

    public required PeeringSideInfo Requester { get; init; }

    public required PeeringSideInfo Accepter { get; init; }

    /// <summary><c>accepted</c>, <c>refused</c> (left pending), <c>refused-again</c> or <c>rejected</c>.</summary>
    public required string Action { get; init; }

    public IReadOnlyList<Reason> Reasons { get; init; } = [];
}

/// <summary>An account and region the scan could not read, and why.</summary>
public sealed record ScanFailure(AccountId AccountId, AwsRegion Region, string Error, string Message);

/// <summary>The result of one acceptance scan.</summary>
public sealed record AcceptanceScan
{
    public required IReadOnlyList<AcceptanceDecision> Decisions { get; init; }

    public required IReadOnlyList<ScanFailure> Failures { get; init; }

    public required int ScopesScanned { get; init; }
}

/// <summary>
/// Accepts peerings that others requested into managed VPCs when — and only when — the requester
/// is allow-listed (<c>AllowedPeerAccountIds</c>; empty allows nobody), the accepter VPC consents
/// (its <c>peering-automation:accept-from</c> tag covers the requester), the CIDR blocks do not
/// overlap and the VPC has room under its peering quota. It never waits for an approval.
/// Peerings the provisioning workflow made (the ledger knows them) are left to it. An accepted
/// peering gets a ledger record (trigger <c>auto-accept</c>, asker the requester account) before it
/// is accepted, so it can be torn down like any other. A refusal is tagged on the accepter side so
/// the next scan does not alert again for the same reasons.
/// </summary>
public sealed class AutoAcceptor(IEc2GatewayFactory gateways, IRequestLedger ledger, PeeringPolicy policy, TimeProvider clock)
{
    public const string Accepted = "accepted";
    public const string Refused = "refused";
    public const string Rejected = "rejected";

    /// <summary>Refused for the same reasons as in an earlier scan: already reported.</summary>
    public const string RefusedAgain = "refused-again";
    public const string RefusedTag = "peering-automation:acceptance-refused";

    /// <summary>Newly created requests are left one scan alone: the provisioning workflow tags its accepter side right after creating.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PendingLifetime = TimeSpan.FromDays(7);

    /// <summary>
    /// How many account-regions are scanned at once. Each scan waits on EC2 (and STS) most of its time, so
    /// scopes overlap instead of queueing; bounded so a hundred scopes do not open a hundred connections or
    /// throttle STS at once.
    /// </summary>
    public const int DefaultMaxParallelScopes = 8;

    /// <summary>The bound the scan runs with (tests pass a smaller one).</summary>
    public int MaxParallelScopes { get; init; } = DefaultMaxParallelScopes;

    public async Task<AcceptanceScan> ScanAsync(CancellationToken ct = default)
    {
        var scopes = policy.ManagedScopes.ToList();
        // One slot per scope, filled in parallel and read in scope order: the result does not depend on timing.
        var results = new (IReadOnlyList<AcceptanceDecision> Decisions, ScanFailure? Failure)[scopes.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, scopes.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, MaxParallelScopes), CancellationToken = ct },
            async (index, token) =>
            {
                var scope = scopes[index];
                try
                {
                    results[index] = (await ScanScopeAsync(scope, token), null);
                }
                catch (PeeringAutomationError error) when (error is MemberRoleUnavailable or AwsAccessDenied or AwsTransientFailure or AwsThrottled)
                {
                    // One unreachable account must not stop the others.
                    results[index] = ([], new ScanFailure(scope.Account, scope.Region, error.GetType().Name, error.Message));
                }
            });
        return new AcceptanceScan
        {
            Decisions = results.SelectMany(r => r.Decisions).ToList(),
            Failures = results.Where(r => r.Failure is not null).Select(r => r.Failure!).ToList(),
            ScopesScanned = scopes.Count,
        };
    }

    private async Task<IReadOnlyList<AcceptanceDecision>> ScanScopeAsync(AccountRegion scope, CancellationToken ct)
    {
        var gateway = await gateways.ForAsync(scope, ct);
        var visible = await gateway.DescribePeeringConnectionsAsync(ct);
        // Re-check in code: moto ignores filters, and the requester side sees the same peering.
        var candidates = visible.Where(p =>
                p.Status == PeeringStatus.PendingAcceptance
                && p.Accepter.Account == scope.Account && p.Accepter.Region == scope.Region
                && !IsFresh(p))
            .ToList();
        if (candidates.Count == 0)
        {
            return [];
        }
        // The provisioning workflow's own peerings are in the ledger under their request; a record of
        // our own (auto-accept) means an earlier scan stopped before accepting: finish it.
        var known = await ledger.KnownPeeringsAsync(candidates.Select(p => p.Id).ToList(), ct);
        var pending = candidates.Where(p => !known.TryGetValue(p.Id, out var owner) || owner == RecordIdOf(p.Id)).ToList();
        if (pending.Count == 0)
        {
            return [];
        }
        var vpcs = await gateway.DescribeVpcsAsync([], ct);
        var decisions = new List<AcceptanceDecision>();
        foreach (var peering in pending)
        {
            var accepterVpc = vpcs.FirstOrDefault(v => v.Id == peering.Accepter.VpcId);
            if (accepterVpc is null)
            {
                continue;
            }
            var reasons = await JudgeAsync(peering, accepterVpc, visible, ct);
            decisions.Add(await ActAsync(gateway, peering, reasons, ct));
        }
        return decisions;
    }

    private async Task<IReadOnlyList<Reason>> JudgeAsync(
        PeeringConnection peering, Vpc accepterVpc, IReadOnlyList<PeeringConnection> visible, CancellationToken ct)
    {
        var reasons = new List<Reason>();
        if (!policy.IsAllowedRequester(peering.Requester.Account))
        {
            reasons.Add(new(ReasonCodes.AccountNotAllowed,
                $"requester account {peering.Requester.Account} is not in AllowedPeerAccountIds"));
            return reasons;
        }
        if (!RequestAuthorizer.AcceptFromCovers(accepterVpc, peering.Requester))
        {
            reasons.Add(new(ReasonCodes.AccepterConsentRequired,
                $"VPC {accepterVpc.Id} does not consent to peer with {peering.Requester.VpcId} of account {peering.Requester.Account}: " +
                $"its owner tags it {ManagedMarkers.AcceptFromTag} with the account or VPC id (or *)"));
            return reasons;
        }
        foreach (var theirs in await RequesterBlocksAsync(peering, ct))
        {
            foreach (var mine in accepterVpc.AllBlocks.Where(theirs.Overlaps))
            {
                reasons.Add(new(ReasonCodes.CidrOverlap,
                    $"requester VPC {peering.Requester.VpcId} block {theirs} overlaps accepter VPC {accepterVpc.Id} block {mine}"));
            }
        }
        var live = visible.Count(p => p.Id != peering.Id && p.Status == PeeringStatus.Active
                                      && (p.Requester.VpcId == accepterVpc.Id || p.Accepter.VpcId == accepterVpc.Id));
        if (live + 1 > policy.MaxPeeringsPerVpc)
        {
            reasons.Add(new(ReasonCodes.PeeringQuotaExceeded,
                $"VPC {accepterVpc.Id} already has {live} active peerings; the quota is {policy.MaxPeeringsPerVpc}"));
        }
        return reasons;
    }

    /// <summary>Every block of the requester VPC: described in its own account when we manage it, else as the peering reports it.</summary>
    private async Task<IReadOnlyList<Cidr>> RequesterBlocksAsync(PeeringConnection peering, CancellationToken ct)
    {
        if (policy.ManagedAccounts.Contains(peering.Requester.Account) && policy.ManagedRegions.Contains(peering.Requester.Region))
        {
            try
            {
                var gateway = await gateways.ForAsync(peering.Requester.Scope, ct);
                var vpc = (await gateway.DescribeVpcsAsync([peering.Requester.VpcId], ct)).FirstOrDefault();
                if (vpc is not null)
                {
                    return vpc.AllBlocks.ToList();
                }
            }
            catch (PeeringAutomationError error) when (error is ResourceNotFound or MemberRoleUnavailable or AwsAccessDenied)
            {
                // Fall back to what the peering reports.
            }
        }
        return peering.RequesterBlocks;
    }

    private async Task<AcceptanceDecision> ActAsync(
        IEc2Gateway gateway, PeeringConnection peering, IReadOnlyList<Reason> reasons, CancellationToken ct)
    {
        var decision = new AcceptanceDecision
        {
            PeeringId = peering.Id, Requester = peering.Requester, Accepter = peering.Accepter, Action = Accepted, Reasons = reasons,
        };
        if (reasons.Count == 0)
        {
            // Recorded first: a peering the automation accepted is always one the ledger knows.
            await ledger.PutAsync(RecordOf(peering), ct);
            await gateway.AcceptPeeringConnectionAsync(peering.Id, ct);
            await gateway.CreateTagsAsync(peering.Id.Value, new Dictionary<string, string>
            {
                [ManagedMarkers.ManagedTag] = "true",
                [ManagedMarkers.RequestIdTag] = RecordIdOf(peering.Id).Value,
                [ManagedMarkers.AcceptedByTag] = "auto-accept",
            }, ct);
            return decision;
        }
        var unlisted = reasons.Any(r => r.Code == ReasonCodes.AccountNotAllowed);
        if (unlisted && policy.RejectUnlistedRequests)
        {
            await gateway.RejectPeeringConnectionAsync(peering.Id, ct);
            return decision with { Action = Rejected };
        }
        var codes = string.Join(",", reasons.Select(r => r.Code).Distinct().Order());
        if (peering.Tags.TryGetValue(RefusedTag, out var already) && already == codes)
        {
            return decision with { Action = RefusedAgain };
        }
        await gateway.CreateTagsAsync(peering.Id.Value, new Dictionary<string, string> { [RefusedTag] = codes }, ct);
        return decision with { Action = Refused };
    }

    /// <summary>The ledger id of an auto-accepted peering: derived from the peering, so a repeated scan finds it.</summary>
    public static RequestId RecordIdOf(PeeringConnectionId peering) => RequestId.Parse("auto-accept-" + peering.Value);

    private RequestRecord RecordOf(PeeringConnection peering)
    {
        var now = LedgerTime.Of(clock.GetUtcNow());
        return new RequestRecord
        {
            RequestId = RecordIdOf(peering.Id),
            Requester = peering.Requester,
            Accepter = peering.Accepter,
            Asker = new RequestAsker { Account = peering.Requester.Account.Value, RequestedBy = "auto-accept" },
            Trigger = LedgerTrigger.AutoAccept,
            Fingerprint = RequestFingerprint.Of("auto-accept " + peering.Id),
            Status = LedgerStatus.Provisioned,
            PeeringId = peering.Id,
            History = [new HistoryEntry(LedgerStatus.Provisioned, now, null,
                $"auto-accepted: requester account {peering.Requester.Account} is allow-listed")],
        };
    }

    private bool IsFresh(PeeringConnection peering) =>
        peering.ExpirationTime is { } expires && expires - PendingLifetime > clock.GetUtcNow() - Settle;
}
