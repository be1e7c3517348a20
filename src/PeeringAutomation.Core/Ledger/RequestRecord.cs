using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Ledger;

/// <summary>The statuses a request moves through in the ledger (a public contract: people query by them).</summary>
public static class LedgerStatus
{
    public const string Requested = "Requested";
    public const string AwaitingApproval = "AwaitingApproval";
    public const string Rejected = "Rejected";
    public const string Provisioning = "Provisioning";
    public const string Provisioned = "Provisioned";
    public const string Failed = "Failed";
    public const string TornDown = "TornDown";

    /// <summary>A request in a terminal status holds nothing: its pair lock may be taken over.</summary>
    public static bool IsTerminal(string status) => status is Rejected or Failed or TornDown;
}

/// <summary>How a request reached the ledger.</summary>
public static class LedgerTrigger
{
    /// <summary>A <c>Peering Requested</c> event.</summary>
    public const string Request = "request";

    /// <summary>A peering made outside the automation and accepted by the auto-accept scan.</summary>
    public const string AutoAccept = "auto-accept";
}

/// <summary>
/// Who asked: the envelope <c>account</c> (set by EventBridge from the caller's credentials, the one
/// field no sender can forge), the free-text <c>requestedBy</c>, and the event's id and time.
/// </summary>
public sealed record RequestAsker
{
    public required string Account { get; init; }

    public string? RequestedBy { get; init; }

    public string? EventId { get; init; }

    public string? EventTime { get; init; }
}

/// <summary>One step in a request's life: what status, when, by which execution, and why.</summary>
public sealed record HistoryEntry(string Status, string At, string? ExecutionArn, string? Detail);

/// <summary>
/// One request as the ledger keeps it: the source of truth for what the automation manages and who
/// asked for it. Teardown, expiry and rollback act only on what a record names.
/// </summary>
public sealed record RequestRecord
{
    public required RequestId RequestId { get; init; }

    public required PeeringSideInfo Requester { get; init; }

    public required PeeringSideInfo Accepter { get; init; }

    public required RequestAsker Asker { get; init; }

    /// <summary><see cref="LedgerTrigger"/>.</summary>
    public string Trigger { get; init; } = LedgerTrigger.Request;

    /// <summary>A hash of what was asked (detail and asking account): equal for a duplicate delivery.</summary>
    public required string Fingerprint { get; init; }

    /// <summary><see cref="LedgerStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The execution that owns the request (claimed it).</summary>
    public string? ExecutionArn { get; init; }

    /// <summary>Routes per table, rules per group (with their descriptions), set once validated.</summary>
    public PeeringPlan? Plan { get; init; }

    public bool AllowDnsResolution { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public PeeringConnectionId? PeeringId { get; init; }

    /// <summary>Why it was refused or failed.</summary>
    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    public IReadOnlyList<HistoryEntry> History { get; init; } = [];

    /// <summary>The request's detail as it was asked (JSON): re-validated when the approvals are in.</summary>
    public string? Detail { get; init; }

    /// <summary>The approvals the request waits for (empty when it needs none).</summary>
    public IReadOnlyList<RequiredApproval> Approvals { get; init; } = [];

    /// <summary>When a request awaiting approval expires (<c>ApprovalTimeout</c> after it was asked).</summary>
    public DateTimeOffset? ApprovalDeadline { get; init; }

    /// <summary>How many changes were applied to the peering since it was provisioned (the optimistic lock of changes).</summary>
    public int Version { get; init; }

    /// <summary>The change being applied now, if any: a second change waits until it is done.</summary>
    public string? ChangeInProgress { get; init; }

    /// <summary>The <c>expiresAt</c> a <c>Peering Expiring Soon</c> notice was sent for (a new expiry gets a new notice).</summary>
    public string? ExpiryNoticeFor { get; init; }

    public VpcPair Pair => VpcPair.Of(Requester.VpcId, Accepter.VpcId);

    /// <summary>Still holding (or about to hold) a peering: not terminal.</summary>
    public bool IsLive => !LedgerStatus.IsTerminal(Status);
}

/// <summary>Two VPCs in a stable order: the key of a pair lock.</summary>
public sealed record VpcPair
{
    private VpcPair(VpcId first, VpcId second)
    {
        First = first;
        Second = second;
    }

    public VpcId First { get; }

    public VpcId Second { get; }

    public static VpcPair Of(VpcId a, VpcId b) =>
        string.CompareOrdinal(a.Value, b.Value) <= 0 ? new VpcPair(a, b) : new VpcPair(b, a);

    public override string ToString() => $"{First}#{Second}";
}

/// <summary>Who holds a VPC pair: at most one live request per pair.</summary>
public sealed record PairLock(VpcPair Pair, RequestId Owner, string? ExecutionArn, string Since);

/// <summary>A status change and what it records with it.</summary>
public sealed record StatusChange
{
    public required string Status { get; init; }

    public required string At { get; init; }

    public string? ExecutionArn { get; init; }

    public string? Detail { get; init; }

    public PeeringPlan? Plan { get; init; }

    public IReadOnlyList<Reason>? Reasons { get; init; }

    /// <summary>Release the request's lock on this pair in the same write (terminal statuses); a lock held by another request stays.</summary>
    public VpcPair? ReleasePair { get; init; }

    /// <summary>Write only if the request is in this status now (compare-and-set between concurrent decisions).</summary>
    public string? ExpectedStatus { get; init; }

    /// <summary>Approvals to store with the change (the full list, replacing the stored one).</summary>
    public IReadOnlyList<RequiredApproval>? Approvals { get; init; }

    public DateTimeOffset? ApprovalDeadline { get; init; }

    /// <summary>The execution that owns the request from now on (an approval hands it to the deciding execution).</summary>
    public string? NewOwner { get; init; }
}

/// <summary>One approval a request waits for: why, who may give it, and (once given) by whom and when.</summary>
public sealed record RequiredApproval
{
    public required string Code { get; init; }

    public required string Reason { get; init; }

    /// <summary>Account ids any one of which gives this approval (the owner first, then the platform accounts).</summary>
    public required IReadOnlyList<string> Approvers { get; init; }

    public string? ApprovedBy { get; init; }

    public string? ApprovedAt { get; init; }

    public bool IsGiven => ApprovedBy is not null;
}
