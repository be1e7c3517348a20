using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace PeeringAutomation.Local.Lambda;

/// <summary>When an injected fault strikes: instead of the handler, or after it did its work.</summary>
public enum FaultTiming
{
    /// <summary>The invocation fails without running the handler (a crash on start).</summary>
    BeforeHandler,

    /// <summary>The handler runs and changes what it changes, then the invocation fails (a crash on the way out).</summary>
    AfterHandler,
}

/// <summary>
/// Test seam of the local stack: makes the next invocation(s) of a function fail with a given
/// error type, so workflow tests can prove compensation without reaching into the handlers.
/// Local only: nothing like it exists in the deployed functions.
/// </summary>
public sealed class FaultInjector
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(FaultTiming Timing, string ErrorType)>> pending = new();

    /// <summary>The next <paramref name="count"/> invocations of the function (logical id or name) fail.</summary>
    public void Inject(string function, FaultTiming timing, string errorType = "InjectedFault", int count = 1)
    {
        var queue = pending.GetOrAdd(function, _ => new());
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue((timing, errorType));
        }
    }

    /// <summary>Runs the function, honouring a pending fault for it.</summary>
    public async Task<InvocationResult> InvokeAsync(LocalFunction function, byte[] payload)
    {
        var fault = Take(function.Plan.LogicalId) ?? Take(function.Plan.Name);
        if (fault is null)
        {
            return await FunctionRegistry.InvokeAsync(function, payload);
        }
        if (fault.Value.Timing == FaultTiming.AfterHandler)
        {
            await FunctionRegistry.InvokeAsync(function, payload);
        }
        var error = new JsonObject
        {
            ["errorType"] = fault.Value.ErrorType,
            ["errorMessage"] = $"fault injected into {function.Plan.LogicalId} ({fault.Value.Timing})",
        };
        return new InvocationResult(System.Text.Encoding.UTF8.GetBytes(error.ToJsonString()), true);
    }

    private (FaultTiming Timing, string ErrorType)? Take(string key) =>
        pending.TryGetValue(key, out var queue) && queue.TryDequeue(out var fault) ? fault : null;
}
