using System.Globalization;

namespace PeeringAutomation.Core.Ledger;

/// <summary>The one RFC 3339 form (UTC, whole seconds) the ledger, tags and events write times in.</summary>
public static class LedgerTime
{
    public const string Format = "yyyy-MM-ddTHH:mm:ssZ";

    public static string Of(DateTimeOffset time) => time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static DateTimeOffset? Parse(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
