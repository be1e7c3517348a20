using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Approvals;

/// <summary>The codes of what makes a request wait for an approval.</summary>
public static class ApprovalCodes
{
    /// <summary>The asker is neither the accepter nor a platform account, and no accept-from covers the requester.</summary>
    public const string AccepterConsentRequired = "AccepterConsentRequired";

    /// <summary>A VPC tagged <c>peering-automation:approval=required</c> in its own account.</summary>
    public const string VpcApprovalRequired = "VpcApprovalRequired";

    /// <summary>An inter-region pair with <c>ApproveInterRegion=true</c> (data transfer is billed).</summary>
    public const string InterRegion = "InterRegion";

    /// <summary>The request asks for all traffic (protocol -1).</summary>
    public const string AllTraffic = "AllTraffic";
}

/// <summary>
/// Decides which approvals a validated request needs and who may give each (README "Approvals").
/// An approval is implied where the asker is itself an approver of that trigger, so an owner asking
/// for its own VPC marked <c>approval=required</c> needs no second yes, and a platform account's
/// request needs none. A platform account's approval covers every trigger at once.
/// </summary>
public sealed class ApprovalTriggers(PeeringPolicy policy, RequestAuthorizer authorizer)
{
    public const string ApprovalTag = "peering-automation:approval";

    /// <summary>The platform accounts, as they stand in an approver list.</summary>
    private IReadOnlyList<string> Platform => policy.PlatformAccounts.Select(a => a.Value).Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<RequiredApproval> For(PeeringRequest request, Vpc requesterVpc, Vpc accepterVpc, string? asker)
    {
        var needed = new List<RequiredApproval>();
        if (!authorizer.AccepterConsents(request.Requester.Info, request.Accepter.Info, accepterVpc, asker))
        {
            needed.Add(Required(ApprovalCodes.AccepterConsentRequired,
                $"VPC {request.Accepter.VpcId} of account {request.Accepter.AccountId} has not consented to peer with {request.Requester.VpcId} " +
                $"of account {request.Requester.AccountId} (no {ManagedMarkers.AcceptFromTag} covering it)", request.Accepter.AccountId.Value));
        }
        foreach (var (side, vpc) in new[] { (request.Requester, requesterVpc), (request.Accepter, accepterVpc) })
        {
            if (vpc.Tags.TryGetValue(ApprovalTag, out var value) && value == "required")
            {
                needed.Add(Required(ApprovalCodes.VpcApprovalRequired,
                    $"VPC {side.VpcId} of account {side.AccountId} is tagged {ApprovalTag}=required: its owner approves every peering",
                    side.AccountId.Value));
            }
        }
        if (request.IsCrossRegion && policy.ApproveInterRegion)
        {
            needed.Add(Required(ApprovalCodes.InterRegion,
                $"{request.Requester.Region} ↔ {request.Accepter.Region} is an inter-region peering (data transfer is billed) and ApproveInterRegion is on"));
        }
        if (request.Requester.IngressFromPeer.Concat(request.Accepter.IngressFromPeer).Any(i => i.Protocol == "-1"))
        {
            needed.Add(Required(ApprovalCodes.AllTraffic, "the request opens all traffic (protocol -1) from the peer"));
        }
        // Implied where the asker is itself one of the approvers.
        return needed.Where(a => asker is null || !a.Approvers.Contains(asker)).DistinctBy(a => (a.Code, a.Reason)).ToList();
    }

    private RequiredApproval Required(string code, string reason, string? owner = null) => new()
    {
        Code = code,
        Reason = reason,
        Approvers = owner is null ? Platform : [owner, .. Platform.Where(p => p != owner)],
    };
}
