namespace PeeringAutomation.Core.Requests;

/// <summary>
/// Finds the known field an unknown one was probably meant to be, so that a rejected typo
/// comes with its fix ("did you mean 'ingressFromPeer'?").
/// </summary>
internal static class FieldNameSuggester
{
    public static string? Closest(string unknown, IEnumerable<string> known)
    {
        var wanted = Normalize(unknown);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(wanted, Normalize(candidate));
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        // Allow about one edit per four characters, at least one and at most three: close enough
        // to catch typos, strict enough that an unrelated name gets no misleading suggestion.
        var allowed = Math.Clamp(wanted.Length / 4, 1, 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Whether the names differ only in case and separators ("route_table_ids" and "routeTableIds").</summary>
    public static bool SameWords(string a, string b) => Normalize(a) == Normalize(b);

    /// <summary>Case, '_' and '-' differences count as nothing: "RouteTableIds" and "route_table_ids" are the same mistake.</summary>
    private static string Normalize(string name) =>
        string.Concat(name.Where(c => c is not ('_' or '-' or ' ')).Select(char.ToLowerInvariant));

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent swaps).</summary>
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 3)
        {
            return int.MaxValue;
        }
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
