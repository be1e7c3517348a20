using System.Text.Json;
using PeeringAutomation.Core.Approvals;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Approvals;

/// <summary>
/// First step of ProvisionPeering for a <c>Peering Approval Decided</c> event: counts the decision
/// (<see cref="ApprovalDecider"/>) and answers in the shape of the Validate step, so an approved
/// request goes on to Create in this execution, a rejected one to <c>Peering Request Rejected</c>, and
/// anything else ends reported.
/// </summary>
public sealed class RecordApprovalDecisionFunction(Services? services)
{
    public RecordApprovalDecisionFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var document = await EventJson.ParseAsync(input);
        var (envelope, executionArn) = IntakeInput.Of(document.RootElement);
        var outcome = await Services.Decider.DecideAsync(envelope, executionArn, CancellationToken.None);
        var log = new StructuredLog("RecordApprovalDecision") { RequestId = outcome.RequestId };
        log.Info("approval decision", ("result", outcome.Result.ToString()), ("decider", outcome.Decider));
        log.Count("ApprovalDecisions" + outcome.Result);
        if (outcome.Result == DecisionResult.Rejected)
        {
            ValidatePeeringRequestFunction.CountRejection(log, outcome.Reasons);
        }
        return await FunctionJson.SerializeAsync(Result(outcome, executionArn), PeeringJsonContext.Default.ValidationResult);
    }

    /// <summary>The answer in the shape of the Validate step.</summary>
    internal static ValidationResult Result(DecisionOutcome outcome, string? executionArn) => outcome.Result switch
    {
        DecisionResult.Approved => new ValidationResult
        {
            Accepted = true, RequestId = outcome.RequestId, ExecutionArn = executionArn, Request = outcome.Request, Plan = outcome.Plan,
        },
        DecisionResult.Rejected => new ValidationResult
        {
            Accepted = false, RequestId = outcome.RequestId, ExecutionArn = executionArn,
            Outcome = new RejectionEvent
            {
                RequestId = outcome.RequestId,
                Requester = outcome.Record is { } r ? SideRef.From(r.Requester) : null,
                Accepter = outcome.Record is { } a ? SideRef.From(a.Accepter) : null,
                Reasons = outcome.Reasons,
                RequestedBy = outcome.Record?.Asker.RequestedBy,
                DecidedBy = outcome.Decider,
            },
        },
        _ => new ValidationResult
        {
            Accepted = false, RequestId = outcome.RequestId, ExecutionArn = executionArn,
            DecisionNoted = new DecisionNotedEvent
            {
                RequestId = outcome.RequestId,
                Result = outcome.Result == DecisionResult.Recorded ? "recorded" : "ignored",
                Decider = outcome.Decider,
                Reasons = outcome.Reasons,
                Pending = (outcome.Record?.Approvals ?? []).Where(p => !p.IsGiven)
                    .Select(p => new ApproverGroup(p.Code, p.Reason, p.Approvers, p.ApprovedBy)).ToList(),
            },
        },
    };
}
