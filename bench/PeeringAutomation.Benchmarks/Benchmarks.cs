namespace PeeringAutomation.Benchmarks;

/// <summary>Every benchmark <c>all</c> runs, in order.</summary>
public static class Benchmarks
{
    public static IReadOnlyList<IBenchmark> All { get; } =
    [
        new LocalSweepBenchmark(),
        new ApiCallsBenchmark(),
        new InProcessSweepBenchmark(),
        new PackageBenchmark(),
        new ColdStartBenchmark(),
        new LocalLatencyBenchmark(),
        new DemoBenchmark(),
        new SuiteBenchmark(),
    ];
}
