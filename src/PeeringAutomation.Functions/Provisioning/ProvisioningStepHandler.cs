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
public abstract class ProvisioningStepHandler<TResult>(Services? services)
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
        var log = new StructuredLog(Step) { RequestId = state.Request?.RequestId.Value, PeeringId = state.Peering?.PeeringId.Value };
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
}

/// <summary>Creates the request's peering (or finds the one an earlier run created).</summary>
public sealed class CreatePeeringFunction(Services? services) : ProvisioningStepHandler<PeeringStepResult>(services)
{
    public CreatePeeringFunction() : this(null)
    {
    }

    protected override string Step => "CreatePeering";

    protected override JsonTypeInfo<PeeringStepResult> ResultType => PeeringJsonContext.Default.PeeringStepResult;

    protected override async Task<PeeringStepResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var created = await Services.ProvisioningSteps.CreateAsync(RequestOf(state), state.Plan, state.ExecutionArn, ct);
        if (created.Recorded)
        {
            log.Count("PeeringsCreated");
        }
        log.PeeringId = created.Id.Value;
        return new PeeringStepResult(created.Id);
    }
}

/// <summary>Accepts the peering in the accepter's account and region and reports its status (the wait loop re-enters here).</summary>
public sealed class AcceptPeeringFunction(Services? services) : ProvisioningStepHandler<AcceptanceResult>(services)
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
public sealed class ConfigureRoutesFunction(Services? services) : ProvisioningStepHandler<RoutesResult>(services)
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
public sealed class ConfigureSecurityGroupsFunction(Services? services) : ProvisioningStepHandler<SecurityGroupsResult>(services)
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
public sealed class ConfigureDnsFunction(Services? services) : ProvisioningStepHandler<PeeringStepResult>(services)
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
public sealed class CheckFlowLogsFunction(Services? services) : ProvisioningStepHandler<ProvisionedResult>(services)
{
    public CheckFlowLogsFunction() : this(null)
    {
    }

    protected override string Step => "CheckFlowLogs";

    protected override JsonTypeInfo<ProvisionedResult> ResultType => PeeringJsonContext.Default.ProvisionedResult;

    protected override async Task<ProvisionedResult> RunAsync(ProvisioningState state, StructuredLog log, CancellationToken ct)
    {
        var (request, plan, peering) = (RequestOf(state), PlanOf(state), PeeringOf(state));
        var finish = await Services.ProvisioningSteps.FinishAsync(request, plan, peering, state.ExecutionArn, ct);
        if (finish.NaclsNotJudged is { } error)
        {
            log.Info("network ACLs not judged", ("error", error.GetType().Name), ("message", error.Message));
        }
        log.Count("PeeringsProvisioned");
        return ProvisionedResult.Of(request, plan, peering, finish);
    }
}

/// <summary>Removes what the request added and builds the <c>Peering Provisioning Failed</c> event detail.</summary>
public sealed class RollbackPeeringFunction(Services? services) : ProvisioningStepHandler<OutcomeResult<ProvisioningFailedEvent>>(services)
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
        var failure = $"{state.Error?.Error}: {ProvisioningSteps.Truncate(state.Error?.Cause)}";
        var rollback = await Services.ProvisioningSteps.RollbackAsync(state.Request, state.Event, state.ExecutionArn, state.Peering?.PeeringId, failure, ct);
        log.PeeringId = rollback.PeeringId?.Value ?? log.PeeringId;
        log.Count("PeeringsFailed");
        return new OutcomeResult<ProvisioningFailedEvent>(ProvisioningFailedEvent.Of(rollback, state.Error));
    }
}
