using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Operations;

/// <summary>The states an edge of the mesh is drawn in, most urgent first (a collapsed edge takes the most urgent).</summary>
public enum MeshEdgeState
{
    Failed,
    ExpiringSoon,
    AwaitingApproval,
    PendingAcceptance,
    Active,
}

/// <summary>One peering (or request for one) between two VPCs, as the ledger records it.</summary>
public sealed record MeshEdge
{
    public required RequestId RequestId { get; init; }

    public required PeeringSideInfo Requester { get; init; }

    public required PeeringSideInfo Accepter { get; init; }

    /// <summary>The envelope account that asked (the field no sender can forge).</summary>
    public required string Asker { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public PeeringConnectionId? PeeringId { get; init; }

    public required MeshEdgeState State { get; init; }
}

/// <summary>What the mesh picture is drawn from: edges, open findings per VPC, and the time it was read.</summary>
public sealed record PeeringMesh
{
    public required IReadOnlyList<MeshEdge> Edges { get; init; }

    /// <summary>Open compliance findings per VPC id (badges); empty when none are known.</summary>
    public IReadOnlyDictionary<string, int> OpenFindings { get; init; } = new Dictionary<string, int>();

    public required DateTimeOffset ReadAt { get; init; }

    /// <summary>Ledger statuses the mesh reads: live ones and failures (shown for <see cref="FailedShownFor"/>).</summary>
    public static readonly IReadOnlyList<string> StatusesShown =
        [LedgerStatus.Requested, LedgerStatus.Provisioning, LedgerStatus.Provisioned, LedgerStatus.Failed, LedgerStatus.AwaitingApproval];

    /// <summary>How long a failed request stays on the picture after its last change.</summary>
    public static readonly TimeSpan FailedShownFor = TimeSpan.FromDays(1);

    /// <summary>An active peering expiring within this is drawn as expiring.</summary>
    public static readonly TimeSpan ExpiringWithin = TimeSpan.FromDays(1);

    /// <summary>Builds the mesh from ledger records: one edge per record still worth showing.</summary>
    public static PeeringMesh From(IEnumerable<RequestRecord> records, DateTimeOffset now, IReadOnlyDictionary<string, int>? openFindings = null)
    {
        var edges = new List<MeshEdge>();
        foreach (var record in records)
        {
            if (StateOf(record, now) is not { } state)
            {
                continue;
            }
            edges.Add(new MeshEdge
            {
                RequestId = record.RequestId,
                Requester = record.Requester,
                Accepter = record.Accepter,
                Asker = record.Asker.Account,
                ExpiresAt = record.ExpiresAt,
                PeeringId = record.PeeringId,
                State = state,
            });
        }
        edges.Sort((a, b) => string.CompareOrdinal(a.RequestId.Value, b.RequestId.Value));
        return new PeeringMesh { Edges = edges, OpenFindings = openFindings ?? new Dictionary<string, int>(), ReadAt = now };
    }

    /// <summary>The state a record is drawn in, or null when it is not drawn (torn down, rejected, an old failure).</summary>
    public static MeshEdgeState? StateOf(RequestRecord record, DateTimeOffset now)
    {
        switch (record.Status)
        {
            case LedgerStatus.Provisioned:
                return record.ExpiresAt is { } at && at - now <= ExpiringWithin ? MeshEdgeState.ExpiringSoon : MeshEdgeState.Active;
            case LedgerStatus.AwaitingApproval:
                return MeshEdgeState.AwaitingApproval;
            case LedgerStatus.Requested or LedgerStatus.Provisioning:
                return MeshEdgeState.PendingAcceptance;
            case LedgerStatus.Failed:
                var last = LedgerTime.Parse(record.History.LastOrDefault()?.At);
                return last is null || now - last <= FailedShownFor ? MeshEdgeState.Failed : null;
            default:
                return null;
        }
    }
}
