using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using PeeringAutomation.Local.Behaviour;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// Local latency: put <c>Peering Requested</c> on the bus → <c>Peering Provisioned</c> collected
/// from the bus (as a team's rule would see it), for cross-account requests through the real
/// stack, same-region and inter-region (the behaviour layer's visibility lag at zero). One warm-up
/// request, then N measured ones per kind, each a fresh VPC pair with HTTPS opened on the
/// accepter's side. Per state of ProvisionPeering, the time splits into our handler (measured in
/// the host around the handler call) and the rest (moto's engine: building its client, the HTTP
/// round trip through the host, its own bookkeeping), so the floor is visible.
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- latency-local [samples=10]
/// </summary>
public sealed class LocalLatencyBenchmark : IBenchmark
{
    private const string RequesterAccount = "111111111111";
    private const string AccepterAccount = "222222222222";
    private static readonly TimeSpan Goal = TimeSpan.FromSeconds(1.5);

    public string Name => "latency-local";

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var samples = args.Count > 0 && int.TryParse(args[0], out var n) ? n : 10;
        // The handlers log JSON lines to stdout (CloudWatch on AWS); keep them out of the table.
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            return await MeasureAsync(samples, log);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    private static async Task<IReadOnlyList<BenchmarkRow>> MeasureAsync(int samples, TextWriter log)
    {
        var pairs = samples + 1;
        var clock = Stopwatch.StartNew();
        await using var stack = await LocalCloud.StartAsync(new LocalCloudOptions
        {
            World = WorldFile.Parse(World(pairs), "latency"),
            Behaviour = new BehaviourSettings { InterRegionLag = TimeSpan.Zero },
        });
        log.WriteLine($"stack with {stack.World.Vpcs.Count} VPCs up in {clock.Elapsed.TotalSeconds:F1} s ({Load()})");

        var rows = new List<BenchmarkRow>();
        foreach (var (kind, accepterRegion) in new[] { ("same-region", "us-east-1"), ("inter-region, lag 0", "eu-west-1") })
        {
            var prefix = accepterRegion == "us-east-1" ? "s" : "x";
            var warmUp = await ProvisionAsync(stack, prefix, 0, accepterRegion);
            log.WriteLine($"{kind}: warm-up {warmUp.Latency.TotalSeconds:F2} s");
            var runs = new List<Sample>();
            for (var i = 1; i <= samples; i++)
            {
                runs.Add(await ProvisionAsync(stack, prefix, i, accepterRegion));
            }
            var median = Median(runs.Select(r => r.Latency));
            log.WriteLine($"{kind}: {string.Join(" ", runs.Select(r => r.Latency.TotalSeconds.ToString("F2")))} s; median {median.TotalSeconds:F2} s ({Load()})");
            WriteBreakdown(kind, runs, log);
            rows.Add(new BenchmarkRow(
                $"local latency, cross-account {kind}: Peering Requested → Peering Provisioned",
                $"{median.TotalSeconds:F2} s median of {samples}",
                $"< {Goal.TotalSeconds:F1} s",
                median < Goal,
                $"from outside, through the bus; handlers {Median(runs.Select(r => r.Handlers)).TotalSeconds:F2} s of it; {Load()}"));
        }
        return rows;
    }

    private sealed record Sample(TimeSpan Latency, TimeSpan Handlers, TimeSpan BusToStart, TimeSpan EndToOutcome, IReadOnlyList<StateTime> States);

    private static async Task<Sample> ProvisionAsync(LocalCloud stack, string prefix, int i, string accepterRegion)
    {
        var requester = stack.World.Vpc($"{prefix}-a-{i}");
        var accepter = stack.World.Vpc($"{prefix}-b-{i}");
        var requestId = $"lat-{prefix}-{i}";
        var request = new JsonObject
        {
            ["requestId"] = requestId,
            ["requester"] = new JsonObject { ["accountId"] = requester.AccountId, ["region"] = requester.Region, ["vpcId"] = requester.VpcId },
            ["accepter"] = new JsonObject
            {
                ["accountId"] = accepter.AccountId, ["region"] = accepter.Region, ["vpcId"] = accepter.VpcId,
                ["ingressFromPeer"] = new JsonArray(new JsonObject
                {
                    ["securityGroupId"] = stack.World.IdOf($"{prefix}-b-{i}-app"), ["protocol"] = "tcp", ["fromPort"] = 443, ["toPort"] = 443,
                }),
            },
            ["requestedBy"] = "latency-benchmark@example.com",
        };
        var started = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        var eventId = await stack.Driver.PutEventAsync("Peering Requested", request);
        await stack.Driver.WaitForOutcomeAsync("Peering Provisioned", e => e["detail"]?["requestId"]?.GetValue<string>() == requestId, TimeSpan.FromSeconds(120));
        var latency = watch.Elapsed;
        var received = DateTime.UtcNow;
        var execution = await stack.Driver.WaitForExecutionAsync("ProvisionPeeringStateMachine", eventId, TimeSpan.FromSeconds(60));
        if (!execution.Succeeded)
        {
            throw new InvalidOperationException($"provisioning {requestId} did not succeed: {execution}");
        }
        var states = StateBreakdown.Of(execution, stack.Driver.InvocationTimings.Between(started, received.AddSeconds(5)));
        var first = execution.History[0].Timestamp;
        var last = execution.History[^1].Timestamp;
        return new Sample(latency, states.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Handler), first - started, received - last, states);
    }

    private static void WriteBreakdown(string kind, IReadOnlyList<Sample> runs, TextWriter log)
    {
        log.WriteLine($"  {kind}, median per state over {runs.Count} runs (ms): state | in state | our handler | engine+host");
        var names = runs[0].States.Select(s => s.Name).Distinct().ToList();
        foreach (var name in names)
        {
            var per = runs.Select(r => r.States.Where(s => s.Name == name).ToList()).Where(l => l.Count > 0).ToList();
            TimeSpan M(Func<StateTime, TimeSpan> f) => Median(per.Select(l => TimeSpan.FromTicks(l.Sum(s => f(s).Ticks))));

            var total = M(s => s.Total);
            var handler = M(s => s.Handler);
            log.WriteLine($"  {name,-45} {total.TotalMilliseconds,7:F0} {handler.TotalMilliseconds,7:F0} {(total - handler).TotalMilliseconds,7:F0}");
        }
        log.WriteLine($"  {"bus → execution started",-45} {Median(runs.Select(r => r.BusToStart)).TotalMilliseconds,7:F0}");
        log.WriteLine($"  {"execution ended → outcome received (≤0: emitted before the end)",-45} {Median(runs.Select(r => r.EndToOutcome)).TotalMilliseconds,7:F0}");
        log.WriteLine($"  {"sum of our handlers",-45} {Median(runs.Select(r => r.Handlers)).TotalMilliseconds,7:F0}");
    }

    /// <summary>Pairs s-a-i/s-b-i (both us-east-1) and x-a-i (us-east-1)/x-b-i (eu-west-1); a in one account, b in another.</summary>
    private static string World(int pairs)
    {
        var yaml = new StringBuilder("accounts:\n");
        foreach (var (account, side, octet) in new[] { (RequesterAccount, "a", 1), (AccepterAccount, "b", 2) })
        {
            yaml.Append($"  - id: \"{account}\"\n    name: latency-{side}\n    vpcs:\n");
            for (var i = 0; i < pairs; i++)
            {
                foreach (var (prefix, region, block) in new[] { ("s", "us-east-1", 0), ("x", side == "a" ? "us-east-1" : "eu-west-1", 100) })
                {
                    var name = $"{prefix}-{side}-{i}";
                    yaml.Append($"      - {{name: {name}, region: {region}, cidr: 10.{octet * 10 + block / 100}.{i}.0/24, flowLogs: true, ")
                        .Append($"securityGroups: [{{name: {name}-app, description: app}}]}}\n");
                }
            }
        }
        return yaml.ToString();
    }

    private static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? TimeSpan.Zero : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The 1-minute load average, to read a timing against (the machine may be shared).</summary>
    internal static string Load() =>
        File.Exists("/proc/loadavg") ? $"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}" : "load n/a";
}
