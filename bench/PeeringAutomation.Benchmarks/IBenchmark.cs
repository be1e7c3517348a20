namespace PeeringAutomation.Benchmarks;

/// <summary>One measured figure: what, the number, the goal it is held against, and how it was taken.</summary>
public sealed record BenchmarkRow(string What, string Measured, string Goal, bool? MeetsGoal, string How);

/// <summary>A benchmark: runs once and reports its rows. Each lives in its own file and is listed in <see cref="Benchmarks"/>.</summary>
public interface IBenchmark
{
    /// <summary>The name given on the command line (<c>-- sweep-local</c>).</summary>
    string Name { get; }

    Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log);
}
