using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>
/// Who may ask for what, decided on the envelope <c>account</c> alone: EventBridge writes it from the
/// caller's credentials, so it is the one field of a request no sender can forge (<c>requestedBy</c>
/// is free text). A platform account may ask for anything; a member account for a peering from its
/// own VPC, ingress on its own side, and the teardown of peerings it is a side of. The accepter
/// consents when it asks itself, when a platform account asks, or through the
/// <c>peering-automation:accept-from</c> tag on its VPC (which only its own account can set).
/// </summary>
public sealed class RequestAuthorizer(PeeringPolicy policy)
{
    /// <summary>The refusals of a <c>Peering Requested</c> by <paramref name="asker"/> (empty when allowed).</summary>
    public IReadOnlyList<Reason> AuthorizeRequest(PeeringRequest request, string? asker)
    {
        if (policy.IsPlatform(asker))
        {
            return [];
        }
        var reasons = new List<Reason>();
        if (asker != request.Requester.AccountId.Value)
        {
            reasons.Add(new(ReasonCodes.RequesterNotAuthorized,
                $"requester.accountId: account {Named(asker)} may not ask for a peering from VPC {request.Requester.VpcId} of account " +
                $"{request.Requester.AccountId}; a member account asks only for its own VPCs (a platform account may ask for any)"));
        }
        if (request.Accepter.IngressFromPeer.Count > 0 && asker != request.Accepter.AccountId.Value)
        {
            reasons.Add(new(ReasonCodes.RequesterNotAuthorized,
                $"accepter.ingressFromPeer: account {Named(asker)} may not open security groups of account {request.Accepter.AccountId}; " +
                "ingress is asked for by the side's own account (or a platform account)"));
        }
        return reasons;
    }

    /// <summary>Whether the accepter consents to a peering from <paramref name="requester"/> asked by <paramref name="asker"/>.</summary>
    public bool AccepterConsents(PeeringSideInfo requester, PeeringSideInfo accepter, Vpc accepterVpc, string? asker) =>
        policy.IsPlatform(asker) || asker == accepter.Account.Value || AcceptFromCovers(accepterVpc, requester);

    /// <summary>The refusal of a teardown of <paramref name="record"/> by <paramref name="asker"/> (empty when allowed).</summary>
    public IReadOnlyList<Reason> AuthorizeTeardown(RequestRecord record, string? asker) =>
        policy.IsPlatform(asker) || asker == record.Requester.Account.Value || asker == record.Accepter.Account.Value
            ? []
            : [new Reason(ReasonCodes.RequesterNotAuthorized,
                $"account {Named(asker)} may not tear down request {record.RequestId}: it is no side of the peering " +
                $"({record.Requester.Account} ↔ {record.Accepter.Account}) and not a platform account")];

    /// <summary>The accept-from tag: account ids and/or VPC ids, comma-separated, or <c>*</c>.</summary>
    public static bool AcceptFromCovers(Vpc accepterVpc, PeeringSideInfo requester) =>
        accepterVpc.Tags.TryGetValue(ManagedMarkers.AcceptFromTag, out var value)
        && value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(entry => entry == "*" || entry == requester.Account.Value || entry == requester.VpcId.Value);

    private static string Named(string? asker) => asker ?? "(unknown)";
}
