using System.Diagnostics;
using System.Text.RegularExpressions;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// The whole test suite as CI runs it: a clean clone of the repository's HEAD, then
/// <c>bash .ci/run</c> (restore, build, cfn-lint, every test project), timed from start to exit.
/// Reports the duration and the test counts from its closing line; fails when a test failed or
/// was skipped. Slow by nature (minutes): it is the last benchmark of <c>all</c>.
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- suite
/// </summary>
public sealed partial class SuiteBenchmark : IBenchmark
{
    /// <summary>#19: no slower than the suite was before this wave (5.5 minutes on 2 cores).</summary>
    private static readonly TimeSpan Goal = TimeSpan.FromMinutes(5.5);

    public string Name => "suite";

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var repository = Path.GetDirectoryName(RepositoryFiles.Find("template.yaml")) ?? Directory.GetCurrentDirectory();
        var clone = Path.Combine(Path.GetTempPath(), $"peering-suite-{Environment.ProcessId}");
        try
        {
            await RunAsync("git", ["clone", "--quiet", "--no-hardlinks", repository, clone], Path.GetTempPath(), log);
            var watch = Stopwatch.StartNew();
            var (exit, output) = await RunAsync("bash", [".ci/run"], clone, log);
            var elapsed = watch.Elapsed;
            var counts = TestsLine().Match(output);
            var summary = counts.Success ? counts.Value : "no 'Tests:' line";
            var skipped = counts.Success ? int.Parse(counts.Groups["skipped"].Value) : -1;
            log.WriteLine($".ci/run exit {exit} in {elapsed.TotalSeconds:F0} s: {summary} ({LocalLatencyBenchmark.Load()})");
            return
            [
                new BenchmarkRow("whole test suite (`bash .ci/run` on a clean clone)", $"{elapsed.TotalMinutes:F1} min ({summary})",
                    $"≤ {Goal.TotalMinutes:F1} min, nothing skipped", exit == 0 && skipped == 0 && elapsed <= Goal,
                    $"restore, build, cfn-lint and every test project; {LocalLatencyBenchmark.Load()}"),
            ];
        }
        finally
        {
            try
            {
                Directory.Delete(clone, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] arguments, string directory, TextWriter log)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output + await errors;
        if (process.ExitCode != 0)
        {
            log.WriteLine(text.Length > 4000 ? text[^4000..] : text);
        }
        return (process.ExitCode, text);
    }

    [GeneratedRegex(@"Tests: (?<passed>\d+) passed, (?<failed>\d+) failed, (?<skipped>\d+) skipped")]
    private static partial Regex TestsLine();
}
