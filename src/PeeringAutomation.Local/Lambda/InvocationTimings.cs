using System.Collections.Concurrent;

namespace PeeringAutomation.Local.Lambda;

/// <summary>One synchronous invocation through the Invoke API: which function (its name), when it ended, how long its handler ran.</summary>
public sealed record InvocationTiming(string Function, DateTime EndedUtc, TimeSpan Handler);

/// <summary>
/// The handler time of every synchronous invocation, so a measurement can split a state's time
/// into our code and everything around it (moto's engine, HTTP, the host). Bounded: the oldest
/// entries go first.
/// </summary>
public sealed class InvocationTimings
{
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<InvocationTiming> entries = new();

    public void Record(string function, TimeSpan handler)
    {
        entries.Enqueue(new InvocationTiming(function, DateTime.UtcNow, handler));
        while (entries.Count > Capacity && entries.TryDequeue(out _))
        {
        }
    }

    /// <summary>The invocations that ended in [from, to].</summary>
    public IReadOnlyList<InvocationTiming> Between(DateTime fromUtc, DateTime toUtc) =>
        entries.Where(e => e.EndedUtc >= fromUtc && e.EndedUtc <= toUtc).ToList();
}
