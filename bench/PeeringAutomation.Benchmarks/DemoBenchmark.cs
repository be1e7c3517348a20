using System.Diagnostics;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// The demo's time as a user sees it: <c>PeeringAutomation.Local demo</c> as a child process (the
/// built assembly, so no build is timed), from start to exit 0, moto's start and the deployment
/// included. Median of N runs.
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- demo [runs=1]
/// </summary>
public sealed class DemoBenchmark : IBenchmark
{
    private static readonly TimeSpan Goal = TimeSpan.FromSeconds(25);

    public string Name => "demo";

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var runs = args.Count > 0 && int.TryParse(args[0], out var n) ? n : 1;
        var repository = Path.GetDirectoryName(RepositoryFiles.Find("template.yaml")) ?? Directory.GetCurrentDirectory();
        var assembly = Path.Combine(AppContext.BaseDirectory, "PeeringAutomation.Local.dll");
        var times = new List<TimeSpan>();
        for (var i = 0; i < runs; i++)
        {
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = repository, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(assembly);
            info.ArgumentList.Add("demo");
            var watch = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var elapsed = watch.Elapsed;
            if (process.ExitCode != 0)
            {
                log.WriteLine(await output);
                log.WriteLine(await errors);
                return [new BenchmarkRow("demo (`PeeringAutomation.Local demo`, start to exit)", $"exit {process.ExitCode} after {elapsed.TotalSeconds:F1} s", $"< {Goal.TotalSeconds:0} s", false, "a step failed: see the log above")];
            }
            times.Add(elapsed);
            log.WriteLine($"demo run {i + 1}: {elapsed.TotalSeconds:F1} s ({LocalLatencyBenchmark.Load()})");
        }
        var median = times.Order().ElementAt(times.Count / 2);
        return
        [
            new BenchmarkRow("demo (`PeeringAutomation.Local demo`, start to exit 0)", $"{median.TotalSeconds:F1} s{(runs > 1 ? $" median of {runs}" : "")}",
                $"< {Goal.TotalSeconds:0} s", median < Goal,
                $"child process, moto start and deployment included, every step passed; {LocalLatencyBenchmark.Load()}"),
        ];
    }
}
