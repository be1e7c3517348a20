using System.Text.Json.Serialization;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Functions.Provisioning;

/// <summary>
/// The provisioning workflow's state as each Lambda step receives it (the whole state machine
/// input). Every step adds its result under its own key (ResultPath) and never edits another's,
/// so any step can be re-run from this state alone. Fields a step does not need may be absent.
/// </summary>
public sealed record ProvisioningState
{
    /// <summary>The execution that claimed the request in the ledger (only it may roll the request back).</summary>
    public string? ExecutionArn { get; init; }

    /// <summary>The original event: present only when validation itself failed (the Catch keeps the input).</summary>
    public System.Text.Json.JsonElement? Event { get; init; }

    public PeeringRequest? Request { get; init; }

    public PeeringPlan? Plan { get; init; }

    public PeeringStepResult? Peering { get; init; }

    public AcceptanceResult? Acceptance { get; init; }

    /// <summary>The error a Catch recorded (<c>{"Error", "Cause"}</c>, as Step Functions spells them).</summary>
    public StepError? Error { get; init; }
}

/// <summary>Output of Validate: the parsed request, the plan, and the rejection event detail when refused.</summary>
public sealed record ValidationResult
{
    public required bool Accepted { get; init; }

    /// <summary>Another delivery of a request the ledger has: the workflow ends with <c>{"duplicate": true}</c>.</summary>
    public bool Duplicate { get; init; }

    public string? RequestId { get; init; }

    public string? ExecutionArn { get; init; }

    public PeeringRequest? Request { get; init; }

    public PeeringPlan? Plan { get; init; }

    /// <summary>The detail of <c>Peering Request Rejected</c> when refused.</summary>
    public RejectionEvent? Outcome { get; init; }

    /// <summary>The detail of <c>Peering Approval Requested</c> when the request waits for approvals (the execution ends there).</summary>
    public Approvals.ApprovalRequestedEvent? ApprovalRequested { get; init; }

    /// <summary>An approval decision that was not counted (or counted, with approvals still missing): reported, nothing else happens.</summary>
    public Approvals.DecisionNotedEvent? DecisionNoted { get; init; }
}

public sealed record PeeringStepResult(PeeringConnectionId PeeringId);

public sealed record AcceptanceResult(string Status, int Attempt);

/// <summary>
/// What ConfigureRoutes added. No later step reads it (the rollback and teardown work from the ledger record):
/// the ASL keeps it at <c>$.routes</c> (ResultSelector <c>$.Payload.added</c>) so the execution history shows it.
/// </summary>
public sealed record RoutesResult(IReadOnlyList<AddedRoute> Added);

/// <summary>What ConfigureSecurityGroups put in place, kept at <c>$.securityGroups</c> for the execution history like <see cref="RoutesResult"/>.</summary>
public sealed record SecurityGroupsResult(IReadOnlyList<AddedRules> Added);

public sealed record StepError([property: JsonPropertyName("Error")] string? Error, [property: JsonPropertyName("Cause")] string? Cause);

/// <summary>
/// A side as events spell it, <c>{accountId, region, vpcId}</c>: the serialisation edge of <see cref="PeeringSideInfo"/>
/// (which the state machines' own JSON spells <c>{account, region, vpcId}</c>). Strings, because the rejection of a request
/// too malformed to parse still echoes whatever sides it could read.
/// </summary>
public sealed record SideRef(string? AccountId, string? Region, string? VpcId)
{
    public static SideRef From(PeeringSideInfo side) => new(side.Account.Value, side.Region.Value, side.VpcId.Value);

    public static SideRef From(PeeringSideRequest side) => From(side.Info);
}

/// <summary>Detail of <c>Peering Request Rejected</c>.</summary>
public sealed record RejectionEvent
{
    public string? RequestId { get; init; }

    public SideRef? Requester { get; init; }

    public SideRef? Accepter { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }

    public string? RequestedBy { get; init; }

    /// <summary>The approver account that rejected it (approval rejections).</summary>
    public string? DecidedBy { get; init; }
}

/// <summary>Detail of <c>Peering Provisioned</c>.</summary>
public sealed record ProvisionedEvent
{
    public required string RequestId { get; init; }

    public required string VpcPeeringConnectionId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    public required IReadOnlyList<PlannedRoute> RequesterRoutes { get; init; }

    public required IReadOnlyList<PlannedRoute> AccepterRoutes { get; init; }

    public required IReadOnlyList<PlannedGroupRules> RequesterSecurityGroupRules { get; init; }

    public required IReadOnlyList<PlannedGroupRules> AccepterSecurityGroupRules { get; init; }

    public required bool DnsResolution { get; init; }

    public required bool CrossRegion { get; init; }

    /// <summary>Set for cross-region peerings: that traffic is billed as inter-region data transfer.</summary>
    public string? DataTransferNote { get; init; }

    /// <summary>Traffic asked in ingressFromPeer that a network ACL on either side would drop (a warning, not a refusal).</summary>
    public IReadOnlyList<NaclWarning> NaclWarnings { get; init; } = [];

    /// <summary>VPCs of the peering with no active flow log (the compliance check will also flag them).</summary>
    public required IReadOnlyList<SideRef> VpcsWithoutFlowLogs { get; init; }

    public string? ExpiresAt { get; init; }

    public string? RequestedBy { get; init; }
}

/// <summary>Detail of <c>Peering Provisioning Failed</c>.</summary>
public sealed record ProvisioningFailedEvent
{
    public string? RequestId { get; init; }

    public string? VpcPeeringConnectionId { get; init; }

    public SideRef? Requester { get; init; }

    public SideRef? Accepter { get; init; }

    public string? Error { get; init; }

    public string? Cause { get; init; }

    /// <summary>What the rollback removed; null when nothing had been created.</summary>
    public RemovalReport? RolledBack { get; init; }

    public static ProvisioningFailedEvent Of(ProvisioningRollback rollback, StepError? error) => new()
    {
        RequestId = rollback.Request?.RequestId.Value,
        VpcPeeringConnectionId = rollback.PeeringId?.Value,
        Requester = rollback.Request is { } r ? SideRef.From(r.Requester) : null,
        Accepter = rollback.Request is { } a ? SideRef.From(a.Accepter) : null,
        Error = error?.Error,
        Cause = ProvisioningSteps.Truncate(error?.Cause),
        RolledBack = rollback.Removed,
    };
}

/// <summary>Wraps a step's event detail under <c>outcome</c>, where the state machine reads it.</summary>
public sealed record OutcomeResult<T>(T Outcome);

/// <summary>The <c>Compliance Check Requested</c> detail that scopes a sweep to a new peering's two sides.</summary>
public sealed record ComplianceCheckDetail(IReadOnlyList<string> AccountIds, IReadOnlyList<string> Regions);

/// <summary>Output of the flow-log check: the provisioned event and the follow-up compliance check.</summary>
public sealed record ProvisionedResult(ProvisionedEvent Outcome, ComplianceCheckDetail ComplianceCheck)
{
    private const string InterRegionNote =
        "Cross-region peering: traffic between the VPCs is billed as inter-region data transfer.";

    public static ProvisionedResult Of(PeeringRequest request, PeeringPlan plan, PeeringConnectionId peering, ProvisioningFinish finish) => new(
        new ProvisionedEvent
        {
            RequestId = request.RequestId.Value,
            VpcPeeringConnectionId = peering.Value,
            Requester = SideRef.From(request.Requester),
            Accepter = SideRef.From(request.Accepter),
            RequesterRoutes = plan.Requester.Routes,
            AccepterRoutes = plan.Accepter.Routes,
            RequesterSecurityGroupRules = plan.Requester.GroupRules,
            AccepterSecurityGroupRules = plan.Accepter.GroupRules,
            DnsResolution = request.AllowDnsResolution,
            CrossRegion = request.IsCrossRegion,
            DataTransferNote = request.IsCrossRegion ? InterRegionNote : null,
            VpcsWithoutFlowLogs = finish.Unmonitored.Select(SideRef.From).ToList(),
            NaclWarnings = finish.NaclWarnings,
            ExpiresAt = request.ExpiresAt is { } expiresAt ? LedgerTime.Of(expiresAt) : null,
            RequestedBy = request.RequestedBy,
        },
        new ComplianceCheckDetail(
            new[] { request.Requester.AccountId.Value, request.Accepter.AccountId.Value }.Distinct().ToList(),
            new[] { request.Requester.Region.Value, request.Accepter.Region.Value }.Distinct().ToList()));
}
