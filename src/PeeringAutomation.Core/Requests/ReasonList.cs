namespace PeeringAutomation.Core.Requests;

/// <summary>
/// Collects every problem found while walking one event, each prefixed with the JSON path of
/// the field it is about.
/// </summary>
internal sealed class ReasonList
{
    /// <summary>
    /// Refusals travel on as event detail and Step Functions state (256 KB each); a 256 KB event
    /// of bad ids would otherwise turn into megabytes of reasons and fail the workflow instead of
    /// rejecting the request. The first fifty say more than enough (one of them the count of the rest).
    /// </summary>
    internal const int Limit = ReasonLimits.MaxReasons - 1;

    private readonly List<Reason> items = [];
    private int dropped;

    public bool Any => items.Count > 0 || dropped > 0;

    public void Invalid(string path, string problem) => Add(ReasonCodes.InvalidRequest, path, problem);

    public void Add(string code, string path, string problem)
    {
        if (items.Count >= Limit)
        {
            dropped++;
            return;
        }
        items.Add(new Reason(code, path.Length == 0 ? problem : $"{path}: {problem}"));
    }

    public IReadOnlyList<Reason> ToList() =>
        dropped == 0
            ? items.ToArray()
            : [.. items, new Reason(ReasonCodes.InvalidRequest, $"{dropped} more problem(s) not listed; fix the ones above first")];
}
