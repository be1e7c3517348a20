using PeeringAutomation.Core.Ledger;

namespace PeeringAutomation.Core.Teardown;

/// <summary>
/// The expiry sweep's early warning: every live peering whose <c>expiresAt</c> falls within the notice
/// period gets one <c>Peering Expiring Soon</c> per expiry time. The ledger records the expiry a notice
/// was sent for with a conditional write, so a sweep that runs twice (or two at once) sends it once,
/// and an extended expiry gets a notice of its own when it comes close.
/// </summary>
public sealed class ExpiryNotices(IRequestLedger ledger, TimeProvider clock, TimeSpan noticePeriod)
{
    /// <summary>Default notice period: a day before expiry.</summary>
    public static readonly TimeSpan DefaultNoticePeriod = TimeSpan.FromHours(24);

    public TimeSpan NoticePeriod => noticePeriod;

    /// <summary>The records to notify now (each marked as notified before it is returned).</summary>
    public async Task<IReadOnlyList<RequestRecord>> DueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var due = new List<RequestRecord>();
        foreach (var record in await ledger.ExpiringAsync(now, now + noticePeriod, ct))
        {
            if (record.Status != LedgerStatus.Provisioned || record.ExpiresAt is not { } expiresAt
                || record.ExpiryNoticeFor == LedgerTime.Of(expiresAt))
            {
                continue;
            }
            if (await ledger.MarkExpiryNoticeAsync(record.RequestId, expiresAt, ct))
            {
                due.Add(record);
            }
        }
        return due;
    }
}
