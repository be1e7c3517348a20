using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Approvals;

/// <summary>One approval a request waits for: why, and the accounts any one of which gives it.</summary>
public sealed record ApproverGroup(string Code, string Reason, IReadOnlyList<string> Approvers, string? ApprovedBy);

/// <summary>What the requester would get: the plan, summarized for the approver.</summary>
public sealed record PlanSummary
{
    public required IReadOnlyList<PlannedRoute> RequesterRoutes { get; init; }

    public required IReadOnlyList<PlannedRoute> AccepterRoutes { get; init; }

    public required IReadOnlyList<PlannedGroupRules> RequesterSecurityGroupRules { get; init; }

    public required IReadOnlyList<PlannedGroupRules> AccepterSecurityGroupRules { get; init; }

    public required bool DnsResolution { get; init; }

    public required bool CrossRegion { get; init; }

    public string? ExpiresAt { get; init; }
}

/// <summary>
/// Detail of <c>Peering Approval Requested</c> (also an alert, and forwarded to the accounts it names).
/// It never carries a task token: the approval is a put by an approver account, checked on its envelope.
/// </summary>
public sealed record ApprovalRequestedEvent
{
    public required string RequestId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    /// <summary>The asking (envelope) account.</summary>
    public required string Account { get; init; }

    public string? RequestedBy { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }

    public required IReadOnlyList<ApproverGroup> Approvers { get; init; }

    public required PlanSummary Plan { get; init; }

    public required string Deadline { get; init; }

    /// <summary>A ready command that approves (run it with an approver account's credentials; "reject" to refuse).</summary>
    public required string ApproveCommand { get; init; }

    public static ApprovalRequestedEvent From(RequestRecord record, PeeringRequest request, FunctionSettings settings)
    {
        var plan = record.Plan!;
        var bus = $"arn:aws:events:{settings.HomeRegion}:{settings.Aws.HubAccount}:event-bus/{settings.EventBusName}";
        var decision = $"{{\\\"requestId\\\": \\\"{record.RequestId}\\\", \\\"decision\\\": \\\"approve\\\"}}";
        return new ApprovalRequestedEvent
        {
            RequestId = record.RequestId.Value,
            Requester = SideRef.From(record.Requester),
            Accepter = SideRef.From(record.Accepter),
            Account = record.Asker.Account,
            RequestedBy = record.Asker.RequestedBy,
            Reasons = record.Approvals.Select(a => new Reason(a.Code, a.Reason)).ToList(),
            Approvers = record.Approvals.Select(a => new ApproverGroup(a.Code, a.Reason, a.Approvers, a.ApprovedBy)).ToList(),
            Plan = new PlanSummary
            {
                RequesterRoutes = plan.Requester.Routes, AccepterRoutes = plan.Accepter.Routes,
                RequesterSecurityGroupRules = plan.Requester.GroupRules, AccepterSecurityGroupRules = plan.Accepter.GroupRules,
                DnsResolution = request.AllowDnsResolution, CrossRegion = request.IsCrossRegion,
                ExpiresAt = request.ExpiresAt is { } at ? LedgerTime.Of(at) : null,
            },
            Deadline = LedgerTime.Of(record.ApprovalDeadline!.Value),
            ApproveCommand = "aws events put-events --entries '[{\"EventBusName\": \"" + bus +
                             "\", \"Source\": \"vpc-peering\", \"DetailType\": \"Peering Approval Decided\", \"Detail\": \"" + decision + "\"}]'",
        };
    }
}

/// <summary>A decision that changed nothing, or recorded one approval of several: reported (alert when not counted).</summary>
public sealed record DecisionNotedEvent
{
    public string? RequestId { get; init; }

    /// <summary><c>ignored</c> or <c>recorded</c>.</summary>
    public required string Result { get; init; }

    public string? Decider { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }

    /// <summary>The approvals still missing (for <c>recorded</c>).</summary>
    public IReadOnlyList<ApproverGroup> Pending { get; init; } = [];
}
