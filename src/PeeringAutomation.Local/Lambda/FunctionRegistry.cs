using System.Text.Json.Nodes;
using PeeringAutomation.Local.Deploy;

namespace PeeringAutomation.Local.Lambda;

/// <summary>One function of the stack, bound to its handler instance.</summary>
public sealed record LocalFunction(FunctionPlan Plan, LambdaHandler Handler);

/// <summary>What one invocation produced: the payload, or Lambda's error object when the handler threw.</summary>
public sealed record InvocationResult(byte[] Payload, bool IsError)
{
    /// <summary>The payload as JSON, or a JSON string when it is not JSON.</summary>
    public JsonNode? PayloadJson()
    {
        try
        {
            return Payload.Length == 0 ? null : JsonNode.Parse(Payload);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(System.Text.Encoding.UTF8.GetString(Payload));
        }
    }
}

/// <summary>
/// The stack's functions by name, each with ONE handler instance created at start-up (as Lambda
/// reuses an execution environment), invoked concurrently. Looks functions up by plain name,
/// name:qualifier, or (partial) ARN, as the Invoke API does.
/// </summary>
public sealed class FunctionRegistry
{
    private readonly Dictionary<string, LocalFunction> byName;
    private readonly string region;
    private readonly string accountId;

    /// <summary>Resolves every handler; a handler that cannot run fails start-up here.</summary>
    public FunctionRegistry(StackPlan plan)
    {
        region = plan.Region;
        accountId = plan.AccountId;
        byName = plan.Functions.ToDictionary(f => f.Name, f => new LocalFunction(f, HandlerResolver.Resolve(f.Handler)));
    }

    public IReadOnlyCollection<LocalFunction> All => byName.Values;

    /// <summary>Failures tests ask for (see <see cref="FaultInjector"/>).</summary>
    public FaultInjector Faults { get; } = new();

    /// <summary>How long each synchronous invocation's handler ran (the latency benchmark's "our code").</summary>
    public InvocationTimings Timings { get; } = new();

    /// <summary>Finds a function by the Invoke API's FunctionName (name, name:qualifier, ARN, ARN:qualifier).</summary>
    public LocalFunction? Find(string functionName)
    {
        var name = functionName;
        if (functionName.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = functionName.Split(':');
            if (parts.Length < 7 || parts[2] != "lambda" || parts[5] != "function" || parts[3] != region || parts[4] != accountId)
            {
                return null;
            }
            name = parts[6];
        }
        else if (functionName.Contains(':'))
        {
            name = functionName[..functionName.IndexOf(':')];
        }
        return byName.GetValueOrDefault(name);
    }

    /// <summary>Runs the handler; an exception becomes Lambda's error object (never rethrown).</summary>
    public static async Task<InvocationResult> InvokeAsync(LocalFunction function, byte[] payload)
    {
        try
        {
            using var input = new MemoryStream(payload, writable: false);
            var run = function.Handler(input);
            using var timer = new CancellationTokenSource();
            var timedOut = Task.Delay(TimeSpan.FromSeconds(function.Plan.TimeoutSeconds), timer.Token);
            var first = await Task.WhenAny(run, timedOut);
            await timer.CancelAsync();
            if (first != run)
            {
                // Lambda stops the sandbox; we cannot stop a Task, so it is abandoned and its result ignored.
                _ = run.ContinueWith(t => t.Exception, TaskScheduler.Default);
                return new InvocationResult(System.Text.Encoding.UTF8.GetBytes(new JsonObject
                {
                    ["errorType"] = "Sandbox.Timedout",
                    ["errorMessage"] = $"Task timed out after {function.Plan.TimeoutSeconds:0.00} seconds",
                }.ToJsonString()), true);
            }
            await using var output = await run;
            if (output is null)
            {
                return new InvocationResult("null"u8.ToArray(), false);
            }
            using var buffer = new MemoryStream();
            await output.CopyToAsync(buffer);
            return new InvocationResult(buffer.ToArray(), false);
        }
        catch (Exception e)
        {
            return new InvocationResult(System.Text.Encoding.UTF8.GetBytes(ErrorObject(e).ToJsonString()), true);
        }
    }

    /// <summary>The .NET Lambda runtime's error shape: errorType is the exception's simple class name.</summary>
    internal static JsonObject ErrorObject(Exception e)
    {
        while (e is System.Reflection.TargetInvocationException { InnerException: { } inner })
        {
            e = inner;
        }
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            e = aggregate.InnerExceptions[0];
        }
        var error = new JsonObject
        {
            ["errorType"] = e.GetType().Name,
            ["errorMessage"] = e.Message,
            ["stackTrace"] = new JsonArray((e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonNode)JsonValue.Create(l.Trim())).ToArray()),
        };
        if (e.InnerException is { } cause)
        {
            error["cause"] = ErrorObject(cause);
        }
        return error;
    }
}
