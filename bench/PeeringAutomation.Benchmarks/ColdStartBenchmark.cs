using System.Diagnostics;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// Time from a fresh process to the first handler's result: <c>bench/PeeringAutomation.ColdStart</c> (the functions
/// with a three-line host standing in for Lambda's runtime) is published for this machine (linux-x64: it cannot
/// run arm64) with the functions' ReadyToRun settings and, for comparison, IL only; each sample starts a new
/// process, which builds the composition root from the environment and runs one request through
/// ValidatePeeringRequestFunction (refused before any AWS call). Median of 11 samples after one warm-up of the disk.
/// Lambda's own runtime start (its bootstrap, the sandbox) is not in the figure, nor SnapStart's restore.
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- cold-start [samples=11] [--reuse: the last publish]
/// </summary>
public sealed class ColdStartBenchmark : IBenchmark
{
    private const string Project = "bench/PeeringAutomation.ColdStart/PeeringAutomation.ColdStart.csproj";

    public string Name => "cold-start";

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var samples = args.Count > 0 && int.TryParse(args[0], out var n) ? n : 11;
        var runtime = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        var reuse = args.Contains("--reuse");
        var r2r = await Publish.RunAsync(Project, runtime, readyToRun: true, log, reuse);
        var il = await Publish.RunAsync(Project, runtime, readyToRun: false, log, reuse);
        var withR2r = await SampleAsync(r2r, samples, log);
        var withoutR2r = await SampleAsync(il, samples, log);
        return
        [
            new BenchmarkRow($"fresh process to the first handler's result, ReadyToRun ({runtime})",
                $"{withR2r.Wall:F0} ms median of {samples}, {withR2r.Cpu:F0} ms CPU (load average {InProcessSweepBenchmark.LoadAverage()})", "< 400 ms",
                withR2r.Wall < 400,
                "a new process per sample: host start, composition root, one request through ValidatePeeringRequestFunction; CPU = user + sys of the process"),
            new BenchmarkRow($"the same, IL only ({runtime})", $"{withoutR2r.Wall:F0} ms median of {samples}, {withoutR2r.Cpu:F0} ms CPU", "—", null,
                "for comparison: what ReadyToRun saves"),
        ];
    }

    /// <summary>Wall and CPU time (user + sys, from /usr/bin/time where the machine has it; else 0) per sample, medians.</summary>
    private static async Task<(double Wall, double Cpu)> SampleAsync(string folder, int samples, TextWriter log)
    {
        var times = new List<double>();
        var cpu = new List<double>();
        var timer = File.Exists("/usr/bin/time") ? "/usr/bin/time" : null;
        var usage = Path.Combine(folder, "usage.txt");
        for (var i = 0; i <= samples; i++)
        {
            var start = new ProcessStartInfo(timer ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
            if (timer is not null)
            {
                foreach (var arg in new[] { "-f", "%U %S", "-o", usage, "dotnet" })
                {
                    start.ArgumentList.Add(arg);
                }
            }
            start.ArgumentList.Add(Path.Combine(folder, "PeeringAutomation.ColdStart.dll"));
            // What the template sets, and what Lambda provides (credentials are never used: the request is refused first).
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["MANAGED_ACCOUNT_IDS"] = "111111111111,222222222222", ["MANAGED_REGIONS"] = "us-east-1,eu-west-1",
                ["ALLOWED_PEER_ACCOUNT_IDS"] = "", ["PLATFORM_ACCOUNT_IDS"] = "123456789012", ["HUB_ACCOUNT_ID"] = "123456789012",
                ["MEMBER_ROLE_NAME"] = "PeeringAutomationMemberRole", ["MEMBER_ROLE_EXTERNAL_ID"] = "x", ["EVENT_BUS_NAME"] = "vpc-peering",
                ["LEDGER_TABLE_NAME"] = "peering-automation-requests", ["FINDINGS_TABLE_NAME"] = "peering-automation-findings",
                ["AWS_REGION"] = "us-east-1", ["AWS_ACCESS_KEY_ID"] = "testing", ["AWS_SECRET_ACCESS_KEY"] = "testing",
            })
            {
                start.Environment[key] = value;
            }
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (process.ExitCode != 0 || !output.Contains("InvalidRequest", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the cold-start host failed ({process.ExitCode}):\n{output}\n{errors}");
            }
            if (i > 0)
            {
                times.Add(elapsed);
                cpu.Add(timer is null ? 0 : File.ReadAllText(usage).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Sum(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)) * 1000);
            }
        }
        log.WriteLine($"{Path.GetFileName(folder)}: wall {string.Join(" ", times.Select(t => $"{t:F0}"))} ms; CPU {string.Join(" ", cpu.Select(t => $"{t:F0}"))} ms");
        return (InProcessSweepBenchmark.Median(times), InProcessSweepBenchmark.Median(cpu));
    }
}
