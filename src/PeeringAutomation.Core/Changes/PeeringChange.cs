using System.Text.Json.Serialization;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Changes;

/// <summary>A new expiry: a time, or none (<c>"never"</c>) when <see cref="At"/> is null.</summary>
public sealed record ExpiryChange(DateTimeOffset? At);

/// <summary>One side of a change: the desired set of what it names (not a delta); null keeps the current value.</summary>
public sealed record ChangeSide
{
    /// <summary>Whether <c>routeTableIds</c> was given at all (null given = every route table of the VPC).</summary>
    public bool RouteTablesGiven { get; init; }

    public IReadOnlyList<RouteTableId>? RouteTableIds { get; init; }

    /// <summary>The desired ingress rules of this side; null keeps them.</summary>
    public IReadOnlyList<IngressRequest>? IngressFromPeer { get; init; }
}

/// <summary>The detail of a <c>Peering Change Requested</c> event, validated for shape.</summary>
public sealed record PeeringChangeRequest
{
    /// <summary>The request whose peering changes.</summary>
    public required RequestId RequestId { get; init; }

    /// <summary>The change's idempotency key (same grammar as a request id; default the event id).</summary>
    public required RequestId ChangeId { get; init; }

    public ChangeSide? Requester { get; init; }

    public ChangeSide? Accepter { get; init; }

    /// <summary>Whether <c>destinationCidrs</c> was given (null given = every block of the peer VPC).</summary>
    public bool DestinationCidrsGiven { get; init; }

    public IReadOnlyList<Cidr>? DestinationCidrs { get; init; }

    public bool? AllowDnsResolution { get; init; }

    /// <summary>Null keeps the expiry.</summary>
    public ExpiryChange? Expiry { get; init; }

    public string? RequestedBy { get; init; }
}

/// <summary>What a peering carries at one version: the plan (routes per table, rules per group), DNS and expiry.</summary>
public sealed record PeeringState
{
    public required PeeringPlan Plan { get; init; }

    public required bool AllowDnsResolution { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public static PeeringState Of(RequestRecord record) => new()
    {
        Plan = record.Plan ?? throw new PeeringRequestInvalid($"request {record.RequestId} has no recorded plan"),
        AllowDnsResolution = record.AllowDnsResolution,
        ExpiresAt = record.ExpiresAt,
    };
}

/// <summary>What a change adds to or removes from one side, in the forms the events print.</summary>
public sealed record SideChanges
{
    /// <summary>Routes, as <c>rtb-…: cidr</c>.</summary>
    public IReadOnlyList<string> Routes { get; init; } = [];

    /// <summary>Rules, as <c>sg-…: protocol from-to from source</c>.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    [JsonIgnore]
    public bool IsEmpty => Routes.Count == 0 && Rules.Count == 0;
}

/// <summary>A change per side.</summary>
public sealed record SidesChanges
{
    public required SideChanges Requester { get; init; }

    public required SideChanges Accepter { get; init; }
}

/// <summary>Something that changes from one value to another (DNS, expiry).</summary>
public sealed record ValueChange(string From, string To);

/// <summary>The difference between two states of one peering.</summary>
public sealed record ChangeDiff
{
    public required SidesChanges Added { get; init; }

    public required SidesChanges Removed { get; init; }

    public ValueChange? AllowDnsResolution { get; init; }

    public ValueChange? ExpiresAt { get; init; }

    [JsonIgnore]
    public bool IsEmpty => Added.Requester.IsEmpty && Added.Accepter.IsEmpty && Removed.Requester.IsEmpty && Removed.Accepter.IsEmpty
        && AllowDnsResolution is null && ExpiresAt is null;

    public static string Expiry(DateTimeOffset? at) => at is { } time ? LedgerTime.Of(time) : RequestParser.NeverExpires;

    /// <summary>What changes from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static ChangeDiff Between(PeeringState from, PeeringState to) => new()
    {
        Added = new SidesChanges { Requester = Side(to.Plan.Requester, from.Plan.Requester), Accepter = Side(to.Plan.Accepter, from.Plan.Accepter) },
        Removed = new SidesChanges { Requester = Side(from.Plan.Requester, to.Plan.Requester), Accepter = Side(from.Plan.Accepter, to.Plan.Accepter) },
        AllowDnsResolution = from.AllowDnsResolution == to.AllowDnsResolution
            ? null
            : new ValueChange(from.AllowDnsResolution ? "true" : "false", to.AllowDnsResolution ? "true" : "false"),
        ExpiresAt = from.ExpiresAt == to.ExpiresAt ? null : new ValueChange(Expiry(from.ExpiresAt), Expiry(to.ExpiresAt)),
    };

    /// <summary>What <paramref name="a"/> has that <paramref name="b"/> has not.</summary>
    private static SideChanges Side(SidePlan a, SidePlan b) => new()
    {
        Routes = PlanSets.RoutesMissing(a, b).Select(r => $"{r.RouteTableId}: {r.Destination}").ToList(),
        Rules = PlanSets.RulesMissing(a, b).SelectMany(g => g.Permissions.Select(p =>
            $"{g.SecurityGroupId}: {p.Protocol} {p.FromPort}-{p.ToPort} from {(object?)p.SourceCidr ?? p.SourceGroup}")).ToList(),
    };
}

/// <summary>Set arithmetic on side plans: what one has and the other has not.</summary>
public static class PlanSets
{
    public static IReadOnlyList<PlannedRoute> RoutesMissing(SidePlan a, SidePlan b) =>
        a.Routes.Where(r => !b.Routes.Contains(r)).ToList();

    public static IReadOnlyList<PlannedGroupRules> RulesMissing(SidePlan a, SidePlan b) =>
        a.GroupRules.Select(g => new PlannedGroupRules(g.SecurityGroupId, g.Permissions.Where(p =>
                !b.GroupRules.Any(o => o.SecurityGroupId == g.SecurityGroupId && o.Permissions.Any(p.SameRuleAs))).ToList()))
            .Where(g => g.Permissions.Count > 0).ToList();
}

/// <summary>The statuses of a change in the ledger.</summary>
public static class ChangeStatus
{
    public const string AwaitingApproval = "AwaitingApproval";
    public const string Applying = "Applying";
    public const string Applied = "Applied";
    public const string Unchanged = "Unchanged";
    public const string Rejected = "Rejected";
    public const string RolledBack = "RolledBack";
}

/// <summary>
/// One change of one peering as the ledger keeps it, beside its request: who asked, the state before
/// and after, the diff, and the version of the request it makes (versions count applied changes).
/// </summary>
public sealed record ChangeRecord
{
    public required RequestId RequestId { get; init; }

    public required RequestId ChangeId { get; init; }

    /// <summary>A hash of what was asked and by which account: equal for a duplicate delivery.</summary>
    public required string Fingerprint { get; init; }

    public required RequestAsker Asker { get; init; }

    /// <summary><see cref="ChangeStatus"/>.</summary>
    public required string Status { get; init; }

    /// <summary>The request's version this change makes when applied (the version it was computed from + 1).</summary>
    public required int Version { get; init; }

    public string? ExecutionArn { get; init; }

    public required PeeringState Before { get; init; }

    public required PeeringState After { get; init; }

    public required ChangeDiff Diff { get; init; }

    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    public IReadOnlyList<RequiredApproval> Approvals { get; init; } = [];

    /// <summary>When a change awaiting approval can no longer be approved.</summary>
    public DateTimeOffset? ApprovalDeadline { get; init; }

    /// <summary>The change's event detail as asked (JSON): computed again when its approvals are in.</summary>
    public string? Detail { get; init; }

    public required string At { get; init; }
}

/// <summary>What starting a change found.</summary>
public enum ChangeStart
{
    /// <summary>The change item was written and the request marked as changing.</summary>
    Started,

    /// <summary>A change with this id exists already (nothing was written).</summary>
    ChangeExists,

    /// <summary>The request moved on (another change applied or in progress): compute again.</summary>
    VersionConflict,
}
