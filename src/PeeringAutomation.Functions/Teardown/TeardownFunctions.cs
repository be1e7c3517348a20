using System.Text.Json;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Core.Teardown;
using PeeringAutomation.Functions.Hosting;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Teardown;

/// <summary>Output of the resolve step: what to tear down, or the rejection event detail.</summary>
public sealed record TeardownResolutionResult
{
    public required bool Accepted { get; init; }

    public required IReadOnlyList<TeardownTarget> Targets { get; init; }

    /// <summary>The detail of <c>Peering Teardown Rejected</c> when refused.</summary>
    public TeardownRejectedEvent? Outcome { get; init; }

    /// <summary>The schedule's other duty: requests whose approvals did not come in time (<c>Peering Request Rejected</c>, <c>ApprovalExpired</c>).</summary>
    public IReadOnlyList<RejectionEvent> ExpiredApprovals { get; init; } = [];

    /// <summary>The schedule's third duty: peerings that expire within the notice period (<c>Peering Expiring Soon</c>, once per expiry).</summary>
    public IReadOnlyList<ExpiringSoonEvent> ExpiringSoon { get; init; } = [];

    public static TeardownResolutionResult Of(TeardownIntakeOutcome outcome, FunctionSettings settings) => new()
    {
        Accepted = outcome.Accepted,
        Targets = outcome.Targets,
        Outcome = outcome.Accepted ? null : new TeardownRejectedEvent
        {
            RequestId = outcome.Request?.RequestId?.Value,
            VpcPeeringConnectionId = outcome.Request?.VpcPeeringConnectionId?.Value,
            Reasons = outcome.Reasons,
        },
        ExpiredApprovals = outcome.ExpiredApprovals.Select(o => new RejectionEvent
        {
            RequestId = o.RequestId, Requester = SideRef.From(o.Record!.Requester), Accepter = SideRef.From(o.Record.Accepter),
            Reasons = o.Reasons, RequestedBy = o.Record.Asker.RequestedBy,
        }).ToList(),
        ExpiringSoon = outcome.ExpiringSoon.Select(r => ExpiringSoonEvent.From(r, settings)).ToList(),
    };
}

/// <summary>Detail of <c>Peering Expiring Soon</c> (also an alert), with a ready command that extends the peering by a day.</summary>
public sealed record ExpiringSoonEvent
{
    public required string RequestId { get; init; }

    public string? VpcPeeringConnectionId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    public required string ExpiresAt { get; init; }

    public string? RequestedBy { get; init; }

    public required string Message { get; init; }

    /// <summary>Puts a <c>Peering Change Requested</c> that moves <c>expiresAt</c> one day later (an extension may need approval).</summary>
    public required string ExtendCommand { get; init; }

    public static ExpiringSoonEvent From(RequestRecord record, FunctionSettings settings)
    {
        var expiresAt = record.ExpiresAt!.Value;
        var bus = $"arn:aws:events:{settings.HomeRegion}:{settings.Aws.HubAccount}:event-bus/{settings.EventBusName}";
        var detail = $"{{\\\"requestId\\\": \\\"{record.RequestId}\\\", \\\"expiresAt\\\": \\\"{LedgerTime.Of(expiresAt.AddDays(1))}\\\"}}";
        return new ExpiringSoonEvent
        {
            RequestId = record.RequestId.Value,
            VpcPeeringConnectionId = record.PeeringId?.Value,
            Requester = SideRef.From(record.Requester),
            Accepter = SideRef.From(record.Accepter),
            ExpiresAt = LedgerTime.Of(expiresAt),
            RequestedBy = record.Asker.RequestedBy,
            Message = $"Peering {record.PeeringId} of request {record.RequestId} ({record.Requester.VpcId} ↔ {record.Accepter.VpcId}) " +
                      $"is torn down at {LedgerTime.Of(expiresAt)}. To keep it a day longer, run the extendCommand with a side's credentials.",
            ExtendCommand = "aws events put-events --entries '[{\"EventBusName\": \"" + bus +
                            "\", \"Source\": \"vpc-peering\", \"DetailType\": \"Peering Change Requested\", \"Detail\": \"" + detail + "\"}]'",
        };
    }
}

/// <summary>Detail of <c>Peering Teardown Rejected</c>.</summary>
public sealed record TeardownRejectedEvent
{
    public string? RequestId { get; init; }

    public string? VpcPeeringConnectionId { get; init; }

    public required IReadOnlyList<Reason> Reasons { get; init; }
}

/// <summary>Detail of <c>Peering Torn Down</c>.</summary>
public sealed record TornDownEvent
{
    public required string RequestId { get; init; }

    public required string VpcPeeringConnectionId { get; init; }

    public required SideRef Requester { get; init; }

    public required SideRef Accepter { get; init; }

    /// <summary><c>requested</c> or <c>expired</c>.</summary>
    public required string Trigger { get; init; }

    public string? ExpiresAt { get; init; }

    public required RemovalReport Removed { get; init; }

    public static TornDownEvent Of(TeardownTarget target, RemovalReport removed) => new()
    {
        RequestId = target.RequestId.Value,
        VpcPeeringConnectionId = target.PeeringId.Value,
        Requester = SideRef.From(target.Requester),
        Accepter = SideRef.From(target.Accepter),
        Trigger = target.Trigger,
        ExpiresAt = target.ExpiresAt,
        Removed = removed,
    };
}

/// <summary>
/// First step of TeardownPeering: a <c>Peering Teardown Requested</c> event resolves to the one
/// managed peering it names (or a refusal); the expiry schedule's event resolves to every managed
/// peering whose <c>expires-at</c> has passed.
/// </summary>
public sealed class ResolveTeardownFunction(Services? services)
{
    private const string Step = "ResolveTeardown";

    public ResolveTeardownFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var envelope = await EventJson.ParseAsync(input);
        var outcome = await Services.TeardownIntake.TakeAsync(envelope.RootElement, CancellationToken.None);
        var log = new StructuredLog(Step);
        log.Info("teardown resolved", ("targets", outcome.Targets.Count), ("accepted", outcome.Accepted));
        if (!outcome.Accepted)
        {
            log.Count("TeardownsRejected");
        }
        return await FunctionJson.SerializeAsync(TeardownResolutionResult.Of(outcome, Services.Settings), PeeringJsonContext.Default.TeardownResolutionResult);
    }
}

/// <summary>Removes one managed peering with everything the automation added for it (the shared removal path).</summary>
public sealed class TeardownPeeringFunction(Services? services)
{
    private const string Step = "TeardownPeering";

    public TeardownPeeringFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        var target = await JsonSerializer.DeserializeAsync(input, PeeringJsonContext.Default.TeardownTarget)
            ?? throw new PeeringRequestInvalid("the teardown target is empty");
        var log = new StructuredLog(Step) { RequestId = target.RequestId.Value, PeeringId = target.PeeringId.Value };
        var report = await Services.Teardown.TearDownAsync(target);
        log.Info("peering torn down", ("trigger", target.Trigger));
        log.Count("PeeringsTornDown");
        return await FunctionJson.SerializeAsync(new OutcomeResult<TornDownEvent>(TornDownEvent.Of(target, report)), PeeringJsonContext.Default.OutcomeResultTornDownEvent);
    }
}
