using System.Text.Json;
using PeeringAutomation.Core;
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

    /// <summary>Account-regions that could not be searched; the state machine alerts on them.</summary>
    public IReadOnlyList<string> Unreachable { get; init; } = [];
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
        using var envelope = await JsonDocument.ParseAsync(input, RequestParser.EventDocumentOptions);
        var log = new StructuredLog(Step);
        var result = await ResolveAsync(envelope.RootElement, CancellationToken.None);
        log.Info("teardown resolved", ("targets", result.Targets.Count), ("accepted", result.Accepted));
        if (!result.Accepted)
        {
            log.Count("TeardownsRejected");
        }
        return await FunctionJson.SerializeAsync(result, PeeringJsonContext.Default.TeardownResolutionResult);
    }

    private async Task<TeardownResolutionResult> ResolveAsync(JsonElement envelope, CancellationToken ct)
    {
        if (IsScheduledEvent(envelope))
        {
            var expired = await Services.Teardowns.ExpiredAsync(ct);
            return new TeardownResolutionResult { Accepted = true, Targets = expired.Targets, Unreachable = expired.Unreachable };
        }
        var parsed = Services.Parser.ParseTeardownRequested(envelope);
        var resolution = parsed.IsValid
            ? await Services.Teardowns.ResolveAsync(parsed.Value, ct)
            : new TeardownResolution { Reasons = parsed.Reasons };
        if (resolution.Reasons.Count == 0)
        {
            return new TeardownResolutionResult { Accepted = true, Targets = resolution.Targets, Unreachable = resolution.Unreachable };
        }
        return new TeardownResolutionResult
        {
            Accepted = false,
            Targets = [],
            Unreachable = resolution.Unreachable,
            Outcome = new TeardownRejectedEvent
            {
                RequestId = parsed.Value?.RequestId?.Value,
                VpcPeeringConnectionId = parsed.Value?.VpcPeeringConnectionId?.Value,
                Reasons = resolution.Reasons,
            },
        };
    }

    private static bool IsScheduledEvent(JsonElement envelope) =>
        envelope.ValueKind == JsonValueKind.Object
        && envelope.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String
        && source.GetString() == "aws.events"
        && envelope.TryGetProperty("detail-type", out var type) && type.ValueKind == JsonValueKind.String
        && type.GetString() == "Scheduled Event";
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
        var report = await Services.Remover.RemoveAsync(target.RequestId, target.Requester, target.Accepter, target.PeeringId);
        log.Info("peering torn down", ("trigger", target.Trigger));
        log.Count("PeeringsTornDown");
        var outcome = new TornDownEvent
        {
            RequestId = target.RequestId.Value,
            VpcPeeringConnectionId = target.PeeringId.Value,
            Requester = SideRef.From(target.Requester),
            Accepter = SideRef.From(target.Accepter),
            Trigger = target.Trigger,
            ExpiresAt = target.ExpiresAt,
            Removed = report,
        };
        return await FunctionJson.SerializeAsync(new OutcomeResult<TornDownEvent>(outcome), PeeringJsonContext.Default.OutcomeResultTornDownEvent);
    }
}
