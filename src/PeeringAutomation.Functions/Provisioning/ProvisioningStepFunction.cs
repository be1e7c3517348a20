using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Provisioning;

/// <summary>
/// The shape every provisioning step handler shares: read the workflow state, run one use case,
/// return its result. Errors propagate unchanged: Step Functions sees the exception's class name
/// and the state machine decides (retry, roll back).
/// </summary>
public abstract class ProvisioningStepFunction<TResult>(Services? services)
{
    protected Services Services => services ?? Services.Default;

    /// <summary>The step name in logs and metrics.</summary>
    protected abstract string Step { get; }

    protected abstract JsonTypeInfo<TResult> ResultType { get; }

    /// <summary>The Lambda entry point (template.yaml: <c>Handler: …::Handle</c>).</summary>
    public async Task<Stream> Handle(Stream input)
    {
        var state = await JsonSerializer.DeserializeAsync(input, PeeringJsonContext.Default.ProvisioningState)
            ?? throw new PeeringRequestInvalid("the step input is empty");
        var log = new StructuredLog(Step)
        {
            RequestId = state.Request?.RequestId.Value,
            PeeringId = state.Peering?.PeeringId.Value,
        };
        try
        {
            var result = await RunAsync(state, log, CancellationToken.None);
            log.Info("step finished");
            return await FunctionJson.SerializeAsync(result, ResultType);
        }
        catch (Exception error)
        {
            log.Error("step failed", error);
            throw;
        }
    }

    protected abstract Task<TResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct);

    protected static PeeringRequest RequestOf(ProvisioningState state) =>
        state.Request ?? throw new PeeringRequestInvalid("the step input has no validated request");

    protected static Core.Provisioning.PeeringPlan PlanOf(ProvisioningState state) =>
        state.Plan ?? throw new PeeringRequestInvalid("the step input has no plan");

    protected static PeeringConnectionId PeeringOf(ProvisioningState state) =>
        state.Peering?.PeeringId ?? throw new PeeringRequestInvalid("the step input has no peering id");

    /// <summary>Only the execution that claimed a request may act on it (a duplicate never gets this far).</summary>
    protected static void OwnedBy(RequestRecord record, ProvisioningState state)
    {
        if (record.ExecutionArn != state.ExecutionArn)
        {
            throw new PeeringConflict(
                $"request {record.RequestId} is owned by execution {record.ExecutionArn}, not {state.ExecutionArn}; not acting on it");
        }
    }

    protected string Now => LedgerTime.Of(Services.Clock.GetUtcNow());
}

/// <summary>Creates the request's peering (or finds the one an earlier run created).</summary>
public sealed class CreatePeeringFunction(Services? services) : ProvisioningStepFunction<PeeringStepResult>(services)
{
    public CreatePeeringFunction() : this(null)
    {
    }

    protected override string Step => "CreatePeering";

    protected override JsonTypeInfo<PeeringStepResult> ResultType => PeeringJsonContext.Default.PeeringStepResult;

    protected override async Task<PeeringStepResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var request = RequestOf(state);
        var record = await Services.Ledger.GetAsync(request.RequestId, ct)
            ?? throw new PeeringRequestInvalid($"the ledger has no request {request.RequestId}: it was never claimed");
        OwnedBy(record, state);
        var id = await Services.Provisioner.CreateAsync(request, record.PeeringId ?? state.Plan?.ExistingPeeringId, ct);
        if (record.PeeringId is null)
        {
            await Services.Ledger.RecordPeeringAsync(request.RequestId, id, ct);
            log.Count("PeeringsCreated");
        }
        log.PeeringId = id.Value;
        return new PeeringStepResult(id);
    }
}

/// <summary>Accepts the peering in the accepter's account and region and reports its status (the wait loop re-enters here).</summary>
public sealed class AcceptPeeringFunction(Services? services) : ProvisioningStepFunction<AcceptanceResult>(services)
{
    public AcceptPeeringFunction() : this(null)
    {
    }

    protected override string Step => "AcceptPeering";

    protected override JsonTypeInfo<AcceptanceResult> ResultType => PeeringJsonContext.Default.AcceptanceResult;

    protected override async Task<AcceptanceResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var status = await Services.Provisioner.AcceptAsync(RequestOf(state), PeeringOf(state), ct);
        log.Info("peering status", ("status", status));
        return new AcceptanceResult(status, (state.Acceptance?.Attempt ?? 0) + 1);
    }
}

/// <summary>Adds the planned routes on both sides.</summary>
public sealed class ConfigureRoutesFunction(Services? services) : ProvisioningStepFunction<RoutesResult>(services)
{
    public ConfigureRoutesFunction() : this(null)
    {
    }

    protected override string Step => "ConfigureRoutes";

    protected override JsonTypeInfo<RoutesResult> ResultType => PeeringJsonContext.Default.RoutesResult;

    protected override async Task<RoutesResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var plan = PlanOf(state);
        var peering = PeeringOf(state);
        var requester = await Services.Provisioner.ConfigureRoutesAsync(plan.Requester, peering, ct);
        var accepter = await Services.Provisioner.ConfigureRoutesAsync(plan.Accepter, peering, ct);
        return new RoutesResult([.. requester, .. accepter]);
    }
}

/// <summary>Opens the requested ports from the peer VPC on both sides.</summary>
public sealed class ConfigureSecurityGroupsFunction(Services? services) : ProvisioningStepFunction<SecurityGroupsResult>(services)
{
    public ConfigureSecurityGroupsFunction() : this(null)
    {
    }

    protected override string Step => "ConfigureSecurityGroups";

    protected override JsonTypeInfo<SecurityGroupsResult> ResultType => PeeringJsonContext.Default.SecurityGroupsResult;

    protected override async Task<SecurityGroupsResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var request = RequestOf(state);
        var plan = PlanOf(state);
        var requester = await Services.Provisioner.ConfigureSecurityGroupsAsync(plan.Requester, request.RequestId, ct);
        var accepter = await Services.Provisioner.ConfigureSecurityGroupsAsync(plan.Accepter, request.RequestId, ct);
        return new SecurityGroupsResult([.. requester, .. accepter]);
    }
}

/// <summary>Allows DNS resolution from the remote VPC on both sides.</summary>
public sealed class ConfigureDnsFunction(Services? services) : ProvisioningStepFunction<PeeringStepResult>(services)
{
    public ConfigureDnsFunction() : this(null)
    {
    }

    protected override string Step => "ConfigureDns";

    protected override JsonTypeInfo<PeeringStepResult> ResultType => PeeringJsonContext.Default.PeeringStepResult;

    protected override async Task<PeeringStepResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var peering = PeeringOf(state);
        await Services.Provisioner.ConfigureDnsAsync(RequestOf(state), peering, ct);
        return new PeeringStepResult(peering);
    }
}

/// <summary>Checks flow logs on both VPCs; builds the <c>Peering Provisioned</c> detail and the follow-up compliance check of both sides.</summary>
public sealed class CheckFlowLogsFunction(Services? services) : ProvisioningStepFunction<ProvisionedResult>(services)
{
    /// <summary>
    /// The NACL warnings; a member role without DescribeNetworkAcls (deployed before it was added) or
    /// any other refusal costs the warnings, never the provisioned peering. Throttling is retried by the ASL.
    /// </summary>
    private async Task<IReadOnlyList<NaclWarning>> NaclWarningsAsync(PeeringRequest request, PeeringPlan plan, StructuredLog log, CancellationToken ct)
    {
        try
        {
            return await new NaclCheck(Services.Gateways).WarningsAsync(request, plan, ct);
        }
        catch (PeeringAutomationError error) when (error is not (AwsThrottled or AwsTransientFailure))
        {
            log.Info("network ACLs not judged", ("error", error.GetType().Name), ("message", error.Message));
            return [];
        }
    }

    private const string InterRegionNote =
        "Cross-region peering: traffic between the VPCs is billed as inter-region data transfer.";

    public CheckFlowLogsFunction() : this(null)
    {
    }

    protected override string Step => "CheckFlowLogs";

    protected override JsonTypeInfo<ProvisionedResult> ResultType => PeeringJsonContext.Default.ProvisionedResult;

    protected override async Task<ProvisionedResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var request = RequestOf(state);
        var plan = PlanOf(state);
        var unmonitored = await Services.Provisioner.UnmonitoredSidesAsync(request, ct);
        var naclWarnings = await NaclWarningsAsync(request, plan, log, ct);
        // Provisioned is recorded here, the last step before the outcome leaves.
        await Services.Ledger.RecordAsync(request.RequestId, new StatusChange
        {
            Status = LedgerStatus.Provisioned, At = Now, ExecutionArn = state.ExecutionArn,
            Detail = $"peering {PeeringOf(state)} active, routed and secured",
        }, ct);
        log.Count("PeeringsProvisioned");
        var check = new ComplianceCheckDetail(
            new[] { request.Requester.AccountId.Value, request.Accepter.AccountId.Value }.Distinct().ToList(),
            new[] { request.Requester.Region.Value, request.Accepter.Region.Value }.Distinct().ToList());
        return new ProvisionedResult(new ProvisionedEvent
        {
            RequestId = request.RequestId.Value,
            VpcPeeringConnectionId = PeeringOf(state).Value,
            Requester = SideRef.From(request.Requester),
            Accepter = SideRef.From(request.Accepter),
            RequesterRoutes = plan.Requester.Routes,
            AccepterRoutes = plan.Accepter.Routes,
            RequesterSecurityGroupRules = plan.Requester.GroupRules,
            AccepterSecurityGroupRules = plan.Accepter.GroupRules,
            DnsResolution = request.AllowDnsResolution,
            CrossRegion = request.IsCrossRegion,
            DataTransferNote = request.IsCrossRegion ? InterRegionNote : null,
            VpcsWithoutFlowLogs = unmonitored.Select(SideRef.From).ToList(),
            NaclWarnings = naclWarnings,
            ExpiresAt = request.ExpiresAt is { } expiresAt ? LedgerTime.Of(expiresAt) : null,
            RequestedBy = request.RequestedBy,
        }, check);
    }
}

/// <summary>Removes what the request added and builds the <c>Peering Provisioning Failed</c> event detail.</summary>
public sealed class RollbackPeeringFunction(Services? services) : ProvisioningStepFunction<OutcomeResult<ProvisioningFailedEvent>>(services)
{
    public RollbackPeeringFunction() : this(null)
    {
    }

    protected override string Step => "RollbackPeering";

    protected override JsonTypeInfo<OutcomeResult<ProvisioningFailedEvent>> ResultType =>
        PeeringJsonContext.Default.OutcomeResultProvisioningFailedEvent;

    protected override async Task<OutcomeResult<ProvisioningFailedEvent>> RunAsync(
        ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        // Validation may itself have failed: then the request is read again from the event.
        var request = state.Request
            ?? (state.Event is { } envelope && Services.Parser.ParsePeeringRequested(envelope) is { IsValid: true } parsed ? parsed.Value : null);
        var record = request is null ? null : await Services.Ledger.GetAsync(request.RequestId, ct);
        Core.Provisioning.RemovalReport? report = null;
        PeeringConnectionId? peeringId = null;
        // Only what this execution claimed is rolled back, and only from what the ledger recorded.
        if (record is not null && record.ExecutionArn == state.ExecutionArn && record.IsLive)
        {
            // The peering id is missing when creation failed before it was recorded: look for one
            // carrying this request id, in case creation succeeded in AWS but its answer was lost.
            peeringId = record.PeeringId ?? state.Peering?.PeeringId ?? (await Services.Provisioner.FindOwnPeeringAsync(request!, ct))?.Id;
            log.PeeringId = peeringId?.Value;
            report = await Services.Remover.RemoveAsync(record, peeringId, ct);
            await Services.Ledger.RecordAsync(record.RequestId, new StatusChange
            {
                Status = LedgerStatus.Failed, At = Now, ExecutionArn = state.ExecutionArn,
                Detail = $"{state.Error?.Error}: {Truncate(state.Error?.Cause)}", ReleasePair = record.Pair,
            }, ct);
        }
        log.Count("PeeringsFailed");
        return new OutcomeResult<ProvisioningFailedEvent>(new ProvisioningFailedEvent
        {
            RequestId = request?.RequestId.Value,
            VpcPeeringConnectionId = peeringId?.Value,
            Requester = request is null ? null : SideRef.From(request.Requester),
            Accepter = request is null ? null : SideRef.From(request.Accepter),
            Error = state.Error?.Error,
            Cause = Truncate(state.Error?.Cause),
            RolledBack = report,
        });
    }

    // An error's cause can be a whole stack trace: the event and the ledger carry its start.
    private static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] + "…" : text;
}
