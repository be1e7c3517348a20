using System.Globalization;

namespace PeeringAutomation.Local.Faults;

/// <summary>
/// What <c>up --faults throttle=P,server=P,lambda=P,duplicate=P,seed=N</c> asks for: the share
/// (0-1) of EC2/STS calls answered with the service's throttling error, of EC2/STS calls
/// answered with a 5xx, of Lambda Invoke API calls failing as Lambda service errors, and of bus
/// deliveries made twice, drawn from <see cref="Random"/> seeded with <see cref="Seed"/> so a run
/// can be replayed.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>Share of EC2/STS calls answered <c>RequestLimitExceeded</c> (EC2) or <c>Throttling</c> (STS).</summary>
    public double Throttle { get; init; }

    /// <summary>Share of EC2/STS calls answered with a 5xx (<c>InternalError</c>/<c>Unavailable</c>; STS <c>InternalFailure</c>/<c>ServiceUnavailable</c>).</summary>
    public double Server { get; init; }

    /// <summary>Share of Invoke API calls answered <c>ServiceException</c> (500) or <c>TooManyRequestsException</c> (429).</summary>
    public double Lambda { get; init; }

    /// <summary>Share of rule deliveries made twice (same event, same event id).</summary>
    public double Duplicate { get; init; }

    /// <summary>Seed of every draw.</summary>
    public int Seed { get; init; }

    /// <summary>No faults.</summary>
    public static FaultSettings None { get; } = new();

    /// <summary>Whether any fault can happen.</summary>
    public bool Any => Throttle > 0 || Server > 0 || Lambda > 0 || Duplicate > 0;

    private static readonly string[] Keys = ["throttle", "server", "lambda", "duplicate", "seed"];

    /// <summary>
    /// Parses the <c>--faults</c> text; a part left out is 0 (the seed: <paramref name="defaultSeed"/>).
    /// Throws <see cref="FaultSpecError"/> naming the part and the reason.
    /// </summary>
    public static FaultSettings Parse(string? text, int defaultSeed)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FaultSpecError("is empty; expected throttle=P,server=P,lambda=P,duplicate=P,seed=N (any of them)");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0)
            {
                throw new FaultSpecError($"'{part}' is not name=value (expected throttle=P,server=P,lambda=P,duplicate=P,seed=N)");
            }
            var name = part[..eq].Trim();
            if (!Keys.Contains(name))
            {
                throw new FaultSpecError($"'{part}': unknown fault '{name}' (expected {string.Join(", ", Keys)})");
            }
            if (!values.TryAdd(name, part[(eq + 1)..].Trim()))
            {
                throw new FaultSpecError($"'{name}' is given more than once");
            }
        }
        var settings = new FaultSettings
        {
            Throttle = Share(values, "throttle"),
            Server = Share(values, "server"),
            Lambda = Share(values, "lambda"),
            Duplicate = Share(values, "duplicate"),
            Seed = values.TryGetValue("seed", out var seed) ? SeedOf(seed) : defaultSeed,
        };
        if (settings.Throttle + settings.Server > 1)
        {
            throw new FaultSpecError($"throttle + server must be at most 1 (one call gets at most one error), got {settings.Throttle + settings.Server:0.###}");
        }
        return settings;
    }

    private static double Share(Dictionary<string, string> values, string name)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return 0;
        }
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var share) || share is < 0 or > 1)
        {
            throw new FaultSpecError($"'{name}={text}': the share must be a number from 0 to 1, such as 0.2");
        }
        return share;
    }

    private static int SeedOf(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new FaultSpecError($"'seed={text}': the seed must be a whole number (32-bit)");

    /// <summary>The settings as <c>--faults</c> takes them, so a printed run can be replayed.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"throttle={Throttle},server={Server},lambda={Lambda},duplicate={Duplicate},seed={Seed}");
}

/// <summary>The <c>--faults</c> text is invalid; the message names the part and the reason.</summary>
public sealed class FaultSpecError(string problem) : ArgumentException($"--faults: {problem}");
