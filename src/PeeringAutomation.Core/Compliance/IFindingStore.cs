using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Compliance;

/// <summary>
/// What the automation remembers of one finding across sweeps: when it was first and last seen,
/// when people were last told, whether it is resolved or suppressed (and by whom). Times are
/// UTC instants; a resolved finding that shows up again opens afresh.
/// </summary>
public sealed record FindingState
{
    public required string FindingId { get; init; }

    public required string FindingType { get; init; }

    public required string AccountId { get; init; }

    public required string Region { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>When the alert topic was last told about this finding (null: never).</summary>
    public DateTimeOffset? LastAlertedAt { get; init; }

    /// <summary>
    /// The sweep run (the workflow execution; the sweep id when none is known) that sent the last
    /// alert: a retried step of that same run alerts again rather than not at all, while another run of
    /// the same sweep event (delivered twice) does not. Stored as <c>alertSweepId</c>.
    /// </summary>
    public string? AlertSweepId { get; init; }

    /// <summary>Set once the finding is gone; null while open.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    public DateTimeOffset? SuppressedUntil { get; init; }

    /// <summary>The envelope account that asked for the suppression (the one field no sender can forge).</summary>
    public string? SuppressedBy { get; init; }

    public string? SuppressionReason { get; init; }

    /// <summary>The last message, so a resolved alert can say what was fixed.</summary>
    public string? Message { get; init; }

    public string? VpcId { get; init; }

    public string? Severity { get; init; }

    public bool IsOpen => ResolvedAt is null;

    public bool IsSuppressedAt(DateTimeOffset now) => SuppressedUntil is { } until && until > now;
}

/// <summary>
/// The lifecycle of findings, in the hub (DynamoDB beside the request ledger). Writes that decide
/// whether people are told are conditional, so two sweeps running at once alert a finding once.
/// </summary>
public interface IFindingStore
{
    /// <summary>Every open (unresolved) finding of one account and region.</summary>
    Task<IReadOnlyList<FindingState>> OpenInScopeAsync(AccountRegion scope, CancellationToken ct = default);

    /// <summary>One finding's state (strongly consistent), or null when it was never seen.</summary>
    Task<FindingState?> GetAsync(string findingId, CancellationToken ct = default);

    /// <summary>
    /// Records a finding never seen before as open and alerted by <paramref name="sweepId"/>, in one
    /// conditional write; false, writing nothing, when the store already holds the id (open, resolved
    /// or written a moment ago by another sweep).
    /// </summary>
    Task<bool> TryRecordNewAsync(ComplianceFinding finding, string sweepId, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Records that a sweep saw <paramref name="finding"/> at <paramref name="now"/>; <paramref name="firstSeen"/> is kept when the finding was already open.</summary>
    Task RecordSeenAsync(ComplianceFinding finding, DateTimeOffset firstSeen, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>
    /// Records an alert unless another sweep recorded one since <paramref name="previous"/>; true when this
    /// call may alert (also when <paramref name="sweepId"/> itself recorded it: a retried step).
    /// </summary>
    Task<bool> TryRecordAlertAsync(string findingId, DateTimeOffset? previous, string sweepId, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Marks an open finding resolved; true when this call resolved it (false: already resolved).</summary>
    Task<bool> TryResolveAsync(string findingId, DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Suppresses a known finding until <paramref name="until"/>; false when the finding is unknown.</summary>
    Task<bool> SuppressAsync(string findingId, DateTimeOffset until, string by, string reason, DateTimeOffset now, CancellationToken ct = default);
}
