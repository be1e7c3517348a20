namespace PeeringAutomation.Core.Requests;

/// <summary>
/// Bounds on what a refusal carries. Reasons travel as Step Functions state, as event detail and
/// as an SNS alert (256 KB each); a refusal that does not fit fails the workflow instead of
/// telling the sender why. 50 reasons of at most 1,000 characters stay far below every limit.
/// </summary>
public static class ReasonLimits
{
    /// <summary>Reasons one refusal lists; the rest are counted in one closing reason.</summary>
    public const int MaxReasons = 50;

    /// <summary>Characters of one reason's message.</summary>
    public const int MaxMessageLength = 1000;

    /// <summary>Characters of a raw input value a refusal echoes to name the request (its requestId, sides, requestedBy).</summary>
    public const int MaxEchoLength = 256;

    /// <summary><paramref name="raw"/> cut at <see cref="MaxEchoLength"/>: an unparsed value may be as long as the event.</summary>
    public static string Echo(string raw) => raw.Length <= MaxEchoLength ? raw : raw[..(MaxEchoLength - 1)] + "…";

    /// <summary>
    /// <paramref name="reasons"/> within the bounds: at most <see cref="MaxReasons"/> (the last
    /// saying how many more there were) and each message cut at <see cref="MaxMessageLength"/>.
    /// </summary>
    public static IReadOnlyList<Reason> Apply(IReadOnlyList<Reason> reasons)
    {
        static Reason Cut(Reason r) =>
            r.Message.Length <= MaxMessageLength ? r : r with { Message = r.Message[..(MaxMessageLength - 1)] + "…" };
        if (reasons.Count <= MaxReasons)
        {
            return reasons.All(r => r.Message.Length <= MaxMessageLength) ? reasons : reasons.Select(Cut).ToList();
        }
        return
        [
            .. reasons.Take(MaxReasons - 1).Select(Cut),
            new Reason(ReasonCodes.InvalidRequest, $"{reasons.Count - (MaxReasons - 1)} more problem(s) not listed; fix the ones above first"),
        ];
    }
}
