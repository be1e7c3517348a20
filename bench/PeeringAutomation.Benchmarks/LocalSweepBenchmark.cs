using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.World;

namespace PeeringAutomation.Benchmarks;

/// <summary>Compliance sweep at scale: a generated world of N VPCs over A member accounts × 2 regions,
/// M active managed peerings between them (routes on both sides, half the VPCs without flow
/// logs), then one sweep through the real CheckCompliance state machine. Prints the wall time of
/// the sweep and the EC2 describe calls it made (from the sweep summary). The goal (#19): 2,000
/// VPCs over 10 account-regions, end to end, under 60 s.
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- sweep-local [vpcs=2000] [peerings=vpcs/2] [accounts=5]</summary>
public sealed class LocalSweepBenchmark : IBenchmark
{
    public string Name => "sweep-local";

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var vpcCount = args.Count > 0 ? int.Parse(args[0]) : 2000;
        var peeringCount = args.Count > 1 ? int.Parse(args[1]) : vpcCount / 2;
        var accountCount = args.Count > 2 ? int.Parse(args[2]) : 5;
        var accounts = Enumerable.Range(1, accountCount).Select(a => new string((char)('0' + a % 10), 12)).ToArray();
        string[] regions = ["us-east-1", "eu-west-1"];

        var yaml = new StringBuilder("accounts:\n");
        var vpcNames = new List<string>();
        for (var a = 0; a < accounts.Length; a++)
        {
            yaml.Append($"  - id: \"{accounts[a]}\"\n    name: member-{a}\n    vpcs:\n");
            for (var i = a; i < vpcCount; i += accounts.Length)
            {
                var name = $"vpc-{i:D4}";
                vpcNames.Add(name);
                // 10.<i/256>.<i%256>.0/24-style blocks: unique, never overlapping.
                yaml.Append($"      - {{name: {name}, region: {regions[i / accounts.Length % 2]}, cidr: 10.{100 + i / 256}.{i % 256}.0/24, flowLogs: {(i % 2 == 0 ? "true" : "false")}}}\n");
            }
        }
        var world = WorldFile.Parse(yaml.ToString(), "generated");

        // The handlers log JSON lines to stdout (CloudWatch on AWS); keep them out of the table.
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        try
        {
            return await MeasureAsync(vpcCount, peeringCount, accounts, regions, vpcNames, world, log);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    private static async Task<IReadOnlyList<BenchmarkRow>> MeasureAsync(
        int vpcCount, int peeringCount, string[] accounts, string[] regions, List<string> vpcNames, WorldSpec world, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        await using var stack = await LocalCloud.StartAsync(new LocalCloudOptions
        {
            World = world,
            // The set-up accepts inter-region peerings at once; the sweep does not depend on the lag.
            Behaviour = new PeeringAutomation.Local.Behaviour.BehaviourSettings { InterRegionLag = TimeSpan.Zero },
            ParameterOverrides = new Dictionary<string, string>
            {
                ["ManagedAccountIds"] = string.Join(",", accounts),
                ["ManagedRegions"] = string.Join(",", regions),
            },
        });
        log.WriteLine($"world of {vpcCount} VPCs built in {clock.Elapsed.TotalSeconds:F1} s ({LocalLatencyBenchmark.Load()})");

        clock.Restart();
        var built = vpcNames.Select(stack.World.Vpc).ToList();
        // Set-up only (not measured): a few peerings at a time.
        await Parallel.ForEachAsync(Enumerable.Range(0, peeringCount), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (p, _) =>
        {
            var (requester, accepter) = (built[(2 * p) % built.Count], built[(2 * p + 1) % built.Count]);
            var from = await stack.Driver.Ec2Async(requester.AccountId, requester.Region);
            var pcx = (await from.CreateVpcPeeringConnectionAsync(new CreateVpcPeeringConnectionRequest
            {
                VpcId = requester.VpcId, PeerVpcId = accepter.VpcId, PeerOwnerId = accepter.AccountId, PeerRegion = accepter.Region,
                TagSpecifications = [new TagSpecification
                {
                    ResourceType = "vpc-peering-connection",
                    Tags = [new Tag("peering-automation:managed", "true"), new Tag("peering-automation:request-id", $"bench-{p}")],
                }],
            })).VpcPeeringConnection.VpcPeeringConnectionId;
            var to = await stack.Driver.Ec2Async(accepter.AccountId, accepter.Region);
            await to.AcceptVpcPeeringConnectionAsync(new AcceptVpcPeeringConnectionRequest { VpcPeeringConnectionId = pcx });
            await from.CreateRouteAsync(new CreateRouteRequest { RouteTableId = requester.MainRouteTableId, DestinationCidrBlock = accepter.Ipv4Cidrs[0], VpcPeeringConnectionId = pcx });
            await to.CreateRouteAsync(new CreateRouteRequest { RouteTableId = accepter.MainRouteTableId, DestinationCidrBlock = requester.Ipv4Cidrs[0], VpcPeeringConnectionId = pcx });
        });
        log.WriteLine($"{peeringCount} peerings with routes created in {clock.Elapsed.TotalSeconds:F1} s");

        using var http = new HttpClient { BaseAddress = stack.Endpoint };
        var profiling = Environment.GetEnvironmentVariable("PEERING_AUTOMATION_MOTO_PROFILE") is not null;
        if (profiling)
        {
            await http.GetStringAsync("/_peering_automation/cpu");
        }
        clock.Restart();
        var cpuBefore = ProcessCpu.Now();
        var put = DateTime.UtcNow;
        var eventId = await stack.Driver.PutEventAsync("Compliance Check Requested", new JsonObject());
        var execution = await stack.Driver.WaitForExecutionAsync("CheckComplianceStateMachine", eventId, TimeSpan.FromMinutes(10));
        var seen = clock.Elapsed;
        var cpu = ProcessCpu.Now() - cpuBefore;
        // The sweep ends when its last state has put the summary on the bus: the execution's end, not
        // when this process's polling (with moto busy forwarding the findings) noticed it.
        var elapsed = execution.History[^1].Timestamp - put;
        var goalShape = vpcCount >= 2000 && accounts.Length * regions.Length >= 10;
        if (!execution.Succeeded)
        {
            log.WriteLine($"sweep failed: {execution.Error}: {execution.Cause}");
            foreach (var failed in execution.History.Where(e => e.Type.EndsWith("Failed", StringComparison.Ordinal) || e.Type.EndsWith("TimedOut", StringComparison.Ordinal)).Take(5))
            {
                log.WriteLine($"  {failed.Type} {failed.StateName}: {failed.Details.ToJsonString()}");
            }
        }
        log.WriteLine($"sweep {execution.Status} in {elapsed.TotalSeconds:F1} s (event on the bus → its last state put the summary on the bus; {LocalLatencyBenchmark.Load()}; {cpu})");
        log.WriteLine($"  bus → execution started {(execution.History[0].Timestamp - put).TotalSeconds:F1} s; summary put → execution seen ended here {(seen - elapsed).TotalSeconds:F1} s");
        if (profiling)
        {
            log.WriteLine("moto during the sweep: " + await http.GetStringAsync("/_peering_automation/cpu"));
        }
        var during = stack.Driver.InvocationTimings.Between(execution.History[0].Timestamp, execution.History[^1].Timestamp);
        foreach (var function in during.GroupBy(i => i.Function).OrderByDescending(g => g.Count()))
        {
            log.WriteLine($"  {function.Key,-45} {function.Count(),5} invocations, handler {function.Sum(i => i.Handler.TotalSeconds):F1} s summed, median {function.Select(i => i.Handler.TotalMilliseconds).Order().ElementAt(function.Count() / 2):F0} ms");
        }
        StateBreakdown.Write(StateBreakdown.Of(execution, stack.Driver.InvocationTimings.Between(execution.History[0].Timestamp, execution.History[^1].Timestamp.AddSeconds(1))), log);
        // Thousands of finding events come before the summary on the outcome queue.
        var summary = await stack.Driver.WaitForOutcomeAsync("Compliance Check Completed", e => e["detail"]?["sweepId"]?.GetValue<string>() == eventId, TimeSpan.FromMinutes(10));
        log.WriteLine(summary["detail"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return
        [
            new BenchmarkRow($"compliance sweep, {vpcCount} VPCs / {peeringCount} peerings / {accounts.Length * regions.Length} account-regions, local stack",
                $"{elapsed.TotalSeconds:F1} s ({execution.Status})", goalShape ? "< 60 s" : "—",
                !execution.Succeeded ? false : goalShape ? elapsed < TimeSpan.FromSeconds(60) : null,
                $"event on the bus → summary event put (the execution's end), through the real CheckCompliance state machine; {LocalLatencyBenchmark.Load()}; {cpu}"),
        ];
    }
}
