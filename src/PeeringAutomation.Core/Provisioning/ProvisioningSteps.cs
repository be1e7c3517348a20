using System.Text.Json;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Core.Provisioning;

/// <summary>The peering a create step ended with, and whether this call recorded it in the ledger.</summary>
public sealed record CreatedPeering(PeeringConnectionId Id, bool Recorded);

/// <summary>What the last provisioning step found: unmonitored VPCs and the NACL warnings.</summary>
public sealed record ProvisioningFinish
{
    /// <summary>The sides whose VPC has no active flow log.</summary>
    public required IReadOnlyList<PeeringSideInfo> Unmonitored { get; init; }

    public required IReadOnlyList<NaclWarning> NaclWarnings { get; init; }

    /// <summary>Why the network ACLs were not judged (a member role without DescribeNetworkAcls, …); null when they were.</summary>
    public PeeringAutomationError? NaclsNotJudged { get; init; }
}

/// <summary>What a rollback of a failed provisioning found and removed.</summary>
public sealed record ProvisioningRollback
{
    /// <summary>The request, from the workflow state or read again from the event; null when the event never parsed.</summary>
    public PeeringRequest? Request { get; init; }

    public PeeringConnectionId? PeeringId { get; init; }

    /// <summary>What was removed; null when this execution had nothing to roll back.</summary>
    public RemovalReport? Removed { get; init; }
}

/// <summary>
/// The provisioning steps that read or write the ledger around the provisioner: create (owned by the
/// claiming execution, recorded once), finish (flow logs, NACL warnings, <c>Provisioned</c>) and roll back
/// (only what this execution claimed, from what the ledger recorded).
/// </summary>
public sealed class ProvisioningSteps(
    IRequestLedger ledger, PeeringProvisioner provisioner, PeeringRemover remover, IEc2GatewayFactory gateways, RequestParser parser, TimeProvider clock)
{
    /// <summary>Creates the request's peering (or finds the one an earlier run created) and records it.</summary>
    public async Task<CreatedPeering> CreateAsync(PeeringRequest request, PeeringPlan? plan, string? executionArn, CancellationToken ct = default)
    {
        var record = await ledger.GetAsync(request.RequestId, ct)
            ?? throw new PeeringRequestInvalid($"the ledger has no request {request.RequestId}: it was never claimed");
        OwnedBy(record, executionArn);
        var id = await provisioner.CreateAsync(request, record.PeeringId ?? plan?.ExistingPeeringId, ct);
        if (record.PeeringId is null)
        {
            await ledger.RecordPeeringAsync(request.RequestId, id, ct);
            return new CreatedPeering(id, Recorded: true);
        }
        return new CreatedPeering(id, Recorded: false);
    }

    /// <summary>Checks flow logs and network ACLs, then records the request <c>Provisioned</c> (the last step before the outcome leaves).</summary>
    public async Task<ProvisioningFinish> FinishAsync(
        PeeringRequest request, PeeringPlan plan, PeeringConnectionId peering, string? executionArn, CancellationToken ct = default)
    {
        var unmonitored = await provisioner.UnmonitoredSidesAsync(request, ct);
        IReadOnlyList<NaclWarning> warnings = [];
        PeeringAutomationError? notJudged = null;
        try
        {
            warnings = await new NaclCheck(gateways).WarningsAsync(request, plan, ct);
        }
        catch (PeeringAutomationError error) when (error is not (AwsThrottled or AwsTransientFailure))
        {
            // A refusal costs the warnings, never the provisioned peering. Throttling is retried by the state machine.
            notJudged = error;
        }
        await ledger.RecordAsync(request.RequestId, new StatusChange
        {
            Status = LedgerStatus.Provisioned, At = LedgerTime.Of(clock.GetUtcNow()), ExecutionArn = executionArn,
            Detail = $"peering {peering} active, routed and secured",
        }, ct);
        return new ProvisioningFinish { Unmonitored = unmonitored, NaclWarnings = warnings, NaclsNotJudged = notJudged };
    }

    /// <summary>
    /// Removes what the request added and records it <c>Failed</c> with <paramref name="failure"/>. Validation
    /// may itself have failed: then the request is read again from <paramref name="envelope"/>.
    /// </summary>
    public async Task<ProvisioningRollback> RollbackAsync(
        PeeringRequest? request, JsonElement? envelope, string? executionArn, PeeringConnectionId? knownPeering, string failure,
        CancellationToken ct = default)
    {
        request ??= envelope is { } e && parser.ParsePeeringRequested(e) is { IsValid: true } parsed ? parsed.Value : null;
        var record = request is null ? null : await ledger.GetAsync(request.RequestId, ct);
        // Only what this execution claimed is rolled back, and only from what the ledger recorded.
        if (record is null || record.ExecutionArn != executionArn || !record.IsLive)
        {
            return new ProvisioningRollback { Request = request };
        }
        // The peering id is missing when creation failed before it was recorded: look for one
        // carrying this request id, in case creation succeeded in AWS but its answer was lost.
        var peeringId = record.PeeringId ?? knownPeering ?? (await provisioner.FindOwnPeeringAsync(request!, ct))?.Id;
        var report = await remover.RemoveAsync(record, peeringId, ct);
        await ledger.RecordAsync(record.RequestId, new StatusChange
        {
            Status = LedgerStatus.Failed, At = LedgerTime.Of(clock.GetUtcNow()), ExecutionArn = executionArn,
            Detail = failure, ReleasePair = record.Pair,
        }, ct);
        return new ProvisioningRollback { Request = request, PeeringId = peeringId, Removed = report };
    }

    /// <summary>Only the execution that claimed a request may act on it (a duplicate never gets this far).</summary>
    public static void OwnedBy(RequestRecord record, string? executionArn)
    {
        if (record.ExecutionArn != executionArn)
        {
            throw new PeeringConflict(
                $"request {record.RequestId} is owned by execution {record.ExecutionArn}, not {executionArn}; not acting on it");
        }
    }

    /// <summary>An error's cause can be a whole stack trace: the event and the ledger carry its start.</summary>
    public static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] + "…" : text;
}
