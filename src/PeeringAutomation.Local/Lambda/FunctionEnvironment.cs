using PeeringAutomation.Local.Deploy;

namespace PeeringAutomation.Local.Lambda;

/// <summary>
/// The environment the in-process handlers see. Handlers share one process, so environment
/// variables are process-wide: the union of every function's variables is set once at start-up,
/// and two functions that disagree on a value fail start-up (they could not both be right). The
/// local endpoint and test credentials are added so the handlers' SDK clients reach the host.
/// </summary>
public sealed class FunctionEnvironment : IDisposable
{
    private static readonly string[] Removed = ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"];
    private readonly Dictionary<string, string?> previous = new();

    private FunctionEnvironment(IReadOnlyDictionary<string, string?> variables)
    {
        Variables = variables;
        foreach (var (name, value) in variables)
        {
            previous[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>What was set (null = removed).</summary>
    public IReadOnlyDictionary<string, string?> Variables { get; }

    /// <summary>Computes the union for <paramref name="plan"/>; throws <see cref="Template.TemplateError"/> on a conflict.</summary>
    public static IReadOnlyDictionary<string, string?> Compute(StackPlan plan, Uri endpoint)
    {
        var result = new Dictionary<string, string?>();
        var owner = new Dictionary<string, string>();
        foreach (var function in plan.Functions)
        {
            foreach (var (name, value) in function.Environment)
            {
                if (result.TryGetValue(name, out var existing) && existing != value)
                {
                    throw new Template.TemplateError(
                        $"functions {owner[name]} and {function.LogicalId} set {name} to different values ('{existing}' and '{value}'); " +
                        "the local stack runs all handlers in one process, so environment variables must agree");
                }
                result[name] = value;
                owner[name] = function.LogicalId;
            }
        }
        var local = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = endpoint.ToString().TrimEnd('/'),
            ["AWS_ACCESS_KEY_ID"] = "testing",
            ["AWS_SECRET_ACCESS_KEY"] = "testing",
            ["AWS_REGION"] = plan.Region,
            ["AWS_DEFAULT_REGION"] = plan.Region,
        };
        foreach (var (name, value) in local)
        {
            if (result.TryGetValue(name, out var existing) && existing != value)
            {
                throw new Template.TemplateError($"function {owner[name]} sets {name}, which the local stack must own ('{existing}' vs '{value}')");
            }
            result[name] = value;
        }
        foreach (var name in Removed)
        {
            result[name] = null;
        }
        return result;
    }

    /// <summary>Sets the variables for this process; dispose restores the previous values.</summary>
    public static FunctionEnvironment Apply(IReadOnlyDictionary<string, string?> variables) => new(variables);

    public void Dispose()
    {
        foreach (var (name, value) in previous)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
