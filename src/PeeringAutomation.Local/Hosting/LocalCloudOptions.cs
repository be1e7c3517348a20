using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Local.Hosting;

/// <summary>How to start a <see cref="LocalCloud"/>.</summary>
public sealed record LocalCloudOptions
{
    /// <summary>The host's port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>template.yaml; null finds it upwards from the current directory, then from the app's.</summary>
    public string? TemplatePath { get; init; }

    /// <summary>The world to create; null (and no <see cref="WorldFile"/>) creates none.</summary>
    public WorldSpec? World { get; init; }

    /// <summary>A world file to load (wins over <see cref="World"/>).</summary>
    public string? WorldFile { get; init; }

    /// <summary>Template parameters, as <c>sam deploy --parameter-overrides</c> takes them.</summary>
    public IReadOnlyDictionary<string, string> ParameterOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>Accounts whose member role cannot be assumed (test seam: STS answers AccessDenied).</summary>
    public IReadOnlyCollection<string> UnassumableAccounts { get; init; } = [];

    /// <summary>Seeded fault injection (<c>up --faults</c>); armed once the stack is deployed and its world built.</summary>
    public PeeringAutomation.Local.Faults.FaultSettings Faults { get; init; } = PeeringAutomation.Local.Faults.FaultSettings.None;

    /// <summary>Fire schedule rules on their own (off for tests: fire them with <see cref="StackDriver.FireScheduleAsync"/>).</summary>
    public bool RunSchedules { get; init; }

    /// <summary>The hub region (the stack's region).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>The hub account (moto's default account, reached with the key <c>testing</c>).</summary>
    public string AccountId { get; init; } = "123456789012";

    /// <summary>Create the queue that collects the automation's outcome events (see <see cref="StackDriver.WaitForOutcomeAsync"/>).</summary>
    public bool CollectOutcomes { get; init; } = true;

    /// <summary>Sources whose events the outcome queue collects.</summary>
    public IReadOnlyList<string> OutcomeSources { get; init; } = ["vpc-peering.automation"];

    /// <summary>The AWS behaviour layer (on by default; <see cref="BehaviourSettings.RawMoto"/> turns it off).</summary>
    public Behaviour.BehaviourSettings Behaviour { get; init; } = new();

    /// <summary>Log level of the host's console log.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Where the host's logs go; null writes to the console.</summary>
    public ILoggerProvider? LoggerProvider { get; init; }

    /// <summary>The default world shipped in the repository (worlds/default.yaml), found like the template.</summary>
    public static string DefaultWorldFile => RepositoryFiles.Find(Path.Combine("worlds", "default.yaml")) ?? Path.Combine("worlds", "default.yaml");
}

/// <summary>Finds files of the repository from wherever the host runs (repo root, bin folder, tests).</summary>
public static class RepositoryFiles
{
    /// <summary>The first <paramref name="relative"/> found walking up from the current directory, then from the app's directory.</summary>
    public static string? Find(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate) || Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }
}

/// <summary>The port is taken: another <c>up</c>, or something else, listens there.</summary>
public sealed class PortInUse(int port, Exception? inner = null)
    : Exception($"Port {port} on 127.0.0.1 is already in use (another `up` running?). Stop it or pass --port with a free port.", inner)
{
    public int Port { get; } = port;
}
