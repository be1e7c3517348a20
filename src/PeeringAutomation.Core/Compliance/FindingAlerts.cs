using PeeringAutomation.Core.Ledger;

namespace PeeringAutomation.Core.Compliance;

/// <summary>
/// Alert text people read: what, where, why it matters, what to do, in sentences; the handler puts
/// the finding's JSON after it for tools.
/// </summary>
public static class FindingAlerts
{
    private static readonly Dictionary<string, (string Why, string Todo)> Guidance = new()
    {
        [FindingTypes.FlowLogsMissing] = (
            "Traffic over the peering is not recorded, so an intrusion or a misrouted flow through it leaves no trace.",
            "Create a flow log capturing ALL traffic for the VPC (or set FlowLogRemediation so the sweep does it)."),
        [FindingTypes.FlowLogsPartial] = (
            "Only accepted or only rejected traffic is recorded, so half of what crosses the peering is invisible.",
            "Add a flow log with traffic type ALL."),
        [FindingTypes.UnmanagedPeering] = (
            "Nobody asked for this peering through the automation: it has no owner, no expiry and no audit trail.",
            "Find its owner; request it through the bus or tear it down."),
        [FindingTypes.PeerAccountNotAllowed] = (
            "A VPC is connected to an account the organisation has not approved.",
            "Delete the peering unless the account should be added to AllowedPeerAccountIds."),
        [FindingTypes.BlackholeRoute] = (
            "Traffic to this destination is silently dropped.",
            "Delete the route, or re-create the peering it pointed to."),
        [FindingTypes.RouteTooBroad] = (
            "The route sends more addresses to the peering than the peer owns; peering is not transitive, so those packets are dropped or leak intent.",
            "Narrow the route to the peer VPC's blocks."),
        [FindingTypes.PeeringExpired] = (
            "Access granted for a limited time is still open.",
            "Check the expiry sweep (its dead-letter queue and executions) or send Peering Teardown Requested."),
        [FindingTypes.ScanFailed] = (
            "This account-region was not checked, so any problem in it goes unreported.",
            "Deploy or fix the member role (deploy/member-role.yaml) in that account and check its trust of the hub."),
        [FindingTypes.NaclBlocksPeerTraffic] = (
            "The peering reports provisioned, but a network ACL drops traffic the request asked for (NACLs are stateless: the replies need the ephemeral ports too).",
            "Add an allow with a lower rule number than the deny, for the port asked and for 1024-65535 the other way, in the named ACL."),
        [FindingTypes.ManagedTagWithoutRecord] = (
            "A peering carries the automation's managed label without a record: someone may be impersonating a managed peering.",
            "Find who tagged it (CloudTrail CreateTags) and remove the tag or the peering."),
    };

    public static string Headline(FindingOutcome outcome) => outcome.Alert switch
    {
        AlertReason.Resolved => "Resolved",
        AlertReason.Reopened => "Back again",
        AlertReason.StillOpen => "Still open",
        AlertReason.SuppressionEnded => "Suppression ended, still open",
        _ => "New",
    };

    /// <summary>The sentences for one finding's alert.</summary>
    public static string Sentences(FindingOutcome outcome)
    {
        var f = outcome.Open;
        var s = outcome.Resolved;
        var type = f?.FindingType ?? s!.FindingType;
        var where = $"account {f?.AccountId.Value ?? s!.AccountId}, region {f?.Region.Value ?? s!.Region}"
            + ((f?.VpcId?.Value ?? s?.VpcId) is { } vpc ? $", VPC {vpc}" : "")
            + (f?.VpcPeeringConnectionId is { } pcx ? $", peering {pcx}" : "")
            + (f?.RouteTableId is { } rt ? $", route table {rt}" : "");
        var (why, todo) = Guidance.TryGetValue(type, out var g) ? g : ("It breaks the peering policy.", "Look at the finding's detail.");
        var lines = new List<string>();
        if (s is not null)
        {
            lines.Add($"{Headline(outcome)}: {type} ({s.Severity ?? "?"}) {s.FindingId} is gone as of {(s.ResolvedAt is { } resolved ? LedgerTime.Of(resolved) : "")}; it was first seen {LedgerTime.Of(s.FirstSeen)}.");
            lines.Add($"Where: {where}.");
            if (s.Message is { } was)
            {
                lines.Add($"What it was: {was}.");
            }
            lines.Add("Nothing to do.");
            return string.Join("\n", lines);
        }
        lines.Add($"{Headline(outcome)}: {type} ({f!.Severity}) {f.FindingId}, first seen {(outcome.FirstSeen is { } first ? LedgerTime.Of(first) : "")}.");
        lines.Add($"What: {f.Message}.");
        lines.Add($"Where: {where}.");
        lines.Add($"Why it matters: {why}");
        lines.Add($"What to do: {todo} To silence it for a while, a platform account sends Compliance Finding Suppression Requested with this findingId, a reason and an until.");
        if (f.Remediation is { } remediation)
        {
            lines.Add($"Remediation: {remediation}.");
        }
        return string.Join("\n", lines);
    }
}
