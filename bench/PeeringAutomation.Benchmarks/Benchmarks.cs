namespace PeeringAutomation.Benchmarks;

/// <summary>Every benchmark <c>all</c> runs, in order.</summary>
public static class Benchmarks
{
    public static IReadOnlyList<IBenchmark> All { get; } =
    [
        new LocalSweepBenchmark(),
        new LocalLatencyBenchmark(),
        new DemoBenchmark(),
        new SuiteBenchmark(),
    ];
}
