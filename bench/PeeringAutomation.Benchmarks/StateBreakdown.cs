using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Lambda;

namespace PeeringAutomation.Benchmarks;

/// <summary>Time in one state (all its entries summed): in the state, in our handler, the rest (moto's engine and the host).</summary>
public sealed record StateTime(string Name, int Entries, TimeSpan Total, TimeSpan Handler);

/// <summary>Splits an execution's history into time per state, and each state's time into our handler's and the rest.</summary>
public static class StateBreakdown
{
    /// <summary>
    /// Per state (in order of first entry): entered → exited, summed over entries; our handler is
    /// the handler time of the invocations of the function the state's task named that ended while
    /// it ran (other executions run meanwhile and are not counted).
    /// </summary>
    public static IReadOnlyList<StateTime> Of(ExecutionResult execution, IReadOnlyList<InvocationTiming> invocations)
    {
        var result = new List<StateTime>();
        var history = execution.History;
        var exits = new Dictionary<long, HistoryEvent>();
        var open = new Dictionary<string, Stack<HistoryEvent>>();
        foreach (var e in history)
        {
            if (e.Type.EndsWith("StateEntered", StringComparison.Ordinal))
            {
                (open.TryGetValue(e.StateName ?? "?", out var s) ? s : open[e.StateName ?? "?"] = new()).Push(e);
            }
            else if (e.Type.EndsWith("StateExited", StringComparison.Ordinal) && open.TryGetValue(e.StateName ?? "?", out var s) && s.Count > 0)
            {
                exits[s.Pop().Id] = e;
            }
        }
        var byName = new Dictionary<string, (int Entries, TimeSpan Total, TimeSpan Handler)>();
        var order = new List<string>();
        foreach (var entered in history.Where(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal)))
        {
            var name = entered.StateName ?? "?";
            var exited = exits.GetValueOrDefault(entered.Id);
            var end = exited?.Timestamp ?? entered.Timestamp;
            var task = string.Join(" ", history.Where(e => e.Id > entered.Id && e.Id < (exited?.Id ?? entered.Id + 4) && e.Type.StartsWith("Task", StringComparison.Ordinal) || e.Id > entered.Id && e.Id < (exited?.Id ?? entered.Id + 4) && e.Type.StartsWith("LambdaFunction", StringComparison.Ordinal)).Select(e => e.Details.ToJsonString()));
            var handler = task.Length == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(invocations
                .Where(v => task.Contains(v.Function, StringComparison.Ordinal) && v.EndedUtc >= entered.Timestamp.AddMilliseconds(-5) && v.EndedUtc <= end.AddMilliseconds(5))
                .Sum(v => v.Handler.Ticks));
            if (!byName.TryGetValue(name, out var sum))
            {
                order.Add(name);
            }
            byName[name] = (sum.Entries + 1, sum.Total + (end - entered.Timestamp), sum.Handler + handler);
        }
        return order.Select(n => new StateTime(n, byName[n].Entries, byName[n].Total, byName[n].Handler)).ToList();
    }

    public static void Write(IReadOnlyList<StateTime> states, TextWriter log)
    {
        log.WriteLine($"  {"state",-45} {"entries",7} {"in state",9} {"handler",9} {"engine+host",11} (ms, summed over entries; Map iterations overlap)");
        foreach (var s in states)
        {
            log.WriteLine($"  {s.Name,-45} {s.Entries,7} {s.Total.TotalMilliseconds,9:F0} {s.Handler.TotalMilliseconds,9:F0} {(s.Total - s.Handler).TotalMilliseconds,11:F0}");
        }
    }
}
