using PeeringAutomation.Core.AutoAccept;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.AutoAccept;

/// <summary>Detail of <c>Peering Auto-Accepted</c>.</summary>
public sealed record AutoAcceptedEvent
{
    public required string VpcPeeringConnectionId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    /// <summary>Always false: the requester did not ask the automation for routes or rules.</summary>
    public bool RoutesAndRulesConfigured => false;

    public string Note =>
        "Routes and security-group rules are not created for auto-accepted peerings; the compliance check flags VPCs without flow logs.";
}

/// <summary>Detail of <c>Peering Acceptance Refused</c>.</summary>
public sealed record AcceptanceRefusedEvent
{
    public required string VpcPeeringConnectionId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    /// <summary><c>left-pending</c> or <c>rejected</c>.</summary>
    public required string Action { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }
}

/// <summary>Output of the scan, as the AcceptPeerings state machine fans it out.</summary>
public sealed record AcceptanceScanResult
{
    public required IReadOnlyList<AutoAcceptedEvent> AutoAccepted { get; init; }

    public required IReadOnlyList<AcceptanceRefusedEvent> Refused { get; init; }

    public required IReadOnlyList<ScanFailure> ScanFailures { get; init; }

    public required int ScopesScanned { get; init; }

    public static AcceptanceScanResult Of(AcceptanceScan scan) => new()
    {
        AutoAccepted = scan.Decisions.Where(d => d.Action == AutoAcceptor.Accepted)
            .Select(d => new AutoAcceptedEvent
            {
                VpcPeeringConnectionId = d.PeeringId.Value, Requester = SideRef.From(d.Requester), Accepter = SideRef.From(d.Accepter),
            }).ToList(),
        Refused = scan.Decisions.Where(d => d.Action is AutoAcceptor.Refused or AutoAcceptor.Rejected)
            .Select(d => new AcceptanceRefusedEvent
            {
                VpcPeeringConnectionId = d.PeeringId.Value, Requester = SideRef.From(d.Requester), Accepter = SideRef.From(d.Accepter),
                Action = d.Action == AutoAcceptor.Rejected ? "rejected" : "left-pending", Reasons = d.Reasons,
            }).ToList(),
        ScanFailures = scan.Failures,
        ScopesScanned = scan.ScopesScanned,
    };
}

/// <summary>
/// Scans every managed account and region for pending peerings into managed VPCs and accepts
/// the allowed ones (schedule and <c>Peering Acceptance Check Requested</c>). The input event
/// carries nothing the scan needs, so it is not parsed.
/// </summary>
public sealed class AutoAcceptPeeringsFunction(Services? services)
{
    private const string Step = "AutoAcceptPeerings";

    public AutoAcceptPeeringsFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var log = new StructuredLog(Step);
        var scan = await Services.AutoAcceptor.ScanAsync();
        var result = AcceptanceScanResult.Of(scan);
        log.Info("acceptance scan finished", ("accepted", result.AutoAccepted.Count), ("refused", result.Refused.Count),
            ("scanFailures", result.ScanFailures.Count));
        log.Count("PeeringsAutoAccepted", result.AutoAccepted.Count);
        log.Count("AcceptancesRefused", result.Refused.Count);
        return await FunctionJson.SerializeAsync(result, PeeringJsonContext.Default.AcceptanceScanResult);
    }
}
