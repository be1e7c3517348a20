using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Ledger;

namespace PeeringAutomation.Core.Operations;

/// <summary>
/// Reads the peering mesh: the ledger's live and recently failed requests, and for every VPC on the
/// picture the compliance findings open against it (its badge). Suppressed findings are not counted:
/// a platform account has accepted them. Findings are read per account and region the mesh touches
/// (one query each, a few at a time), never for the whole organisation.
/// </summary>
public sealed class MeshReader(IRequestLedger ledger, IFindingStore findings, TimeProvider clock)
{
    /// <summary>How many account-regions' findings are read at once.</summary>
    public const int ScopesReadAtOnce = 8;

    public async Task<PeeringMesh> ReadAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var records = await ledger.ListByStatusAsync([.. PeeringMesh.StatusesShown], ct);
        var mesh = PeeringMesh.From(records, now);
        var sides = mesh.Edges.SelectMany(e => new[] { e.Requester, e.Accepter }).ToList();
        var vpcsShown = sides.Select(s => s.VpcId.Value).ToHashSet(StringComparer.Ordinal);
        var scopes = sides.Select(s => s.Scope).Distinct().ToList();

        var open = new List<FindingState>();
        var gate = new SemaphoreSlim(ScopesReadAtOnce);
        var reads = scopes.Select(async scope =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await findings.OpenInScopeAsync(scope, ct);
            }
            finally
            {
                gate.Release();
            }
        });
        foreach (var scopeFindings in await Task.WhenAll(reads))
        {
            open.AddRange(scopeFindings);
        }

        var badges = open
            .Where(f => f.IsOpen && !f.IsSuppressedAt(now) && f.VpcId is { } vpc && vpcsShown.Contains(vpc))
            .GroupBy(f => f.VpcId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return mesh with { OpenFindings = badges };
    }
}
