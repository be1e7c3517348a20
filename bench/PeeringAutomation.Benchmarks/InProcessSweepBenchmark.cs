using System.Diagnostics;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Functions.Hosting;
using PeeringAutomation.Testing;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// The compliance evaluation of one account-region at scale, in-process against the in-memory EC2
/// (<see cref="FakeEc2"/>): 10,000 VPCs, 5,000 active peerings between them (half managed, known to the
/// ledger), 20,000 route tables (a main and a subnet table per VPC, each routing to the peer, one in ten of
/// those routes to a deleted peering), 10,000 flow logs (one in twenty capturing only REJECT), and — because
/// managed peerings make the sweep judge network ACLs — a security group with the automation's rule and a
/// network ACL per VPC. The world is built straight into the fake; only <c>ComplianceEvaluator.EvaluateAsync</c>
/// is timed (median of 5 after a warm-up), with the bytes it allocates and the process's peak working set.
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- sweep-inprocess [vpcs=10000]
/// </summary>
public sealed class InProcessSweepBenchmark : IBenchmark
{
    public string Name => "sweep-inprocess";

    private static readonly AccountRegion Scope = ProvisioningWorld.Requester;

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var vpcCount = args.Count > 0 && int.TryParse(args[0], out var n) ? n : 10_000;
        var clock = Stopwatch.StartNew();
        var (ec2, ledger, counts) = Build(vpcCount);
        log.WriteLine($"world built in {clock.Elapsed.TotalSeconds:F1} s: {counts}");
        var services = new Services(ProvisioningWorld.Settings(), ec2, ledger, TimeProvider.System, new InMemoryFindingStore());

        var times = new List<double>();
        var cpu = new List<double>();
        var allocated = new List<long>();
        var process = Process.GetCurrentProcess();
        Core.Compliance.ScopeEvaluation? evaluation = null;
        for (var run = 0; run < 6; run++)
        {
            ec2.Calls.Clear();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            clock.Restart();
            evaluation = await services.Compliance.EvaluateAsync(Scope);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            process.Refresh();
            var cpuMs = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
            if (run > 0)
            {
                times.Add(elapsed);
                cpu.Add(cpuMs);
                allocated.Add(bytes);
            }
            log.WriteLine($"  run {run}: {elapsed:F0} ms wall, {cpuMs:F0} ms CPU, {bytes / 1048576.0:F0} MB allocated, {evaluation.Findings.Count} findings{(run == 0 ? " (warm-up)" : "")}");
        }
        var median = Median(times);
        var allocatedMb = Median(allocated.Select(b => (double)b).ToList()) / 1048576.0;
        var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        var describes = ec2.Calls.Count;
        var formula = ApiFormula(counts);
        log.WriteLine($"  describe calls at the port: {describes} ({string.Join(", ", ec2.Calls.GroupBy(c => c).Select(g => $"{g.Key}×{g.Count()}"))})");
        log.WriteLine($"  AWS requests by the formula: {formula.Total} = {formula.Text}");
        var findings = evaluation!.Findings.GroupBy(f => f.FindingType).Select(g => $"{g.Key} {g.Count()}");
        log.WriteLine($"  findings: {string.Join(", ", findings)}");
        return
        [
            new BenchmarkRow($"compliance evaluation of one account-region in-process ({counts.Short})",
                $"{median:F0} ms median of {times.Count} ({Median(cpu):F0} ms CPU; load average {LoadAverage()})", "< 2 s", median < 2000,
                $"ComplianceEvaluator on the in-memory EC2; {evaluation.Findings.Count} findings"),
            new BenchmarkRow("memory of that evaluation",
                $"{allocatedMb:F0} MB allocated per evaluation; process peak working set {peakMb:F0} MB (world included)", "< 500 MB",
                peakMb < 500, "GC.GetTotalAllocatedBytes around one evaluation; Process.PeakWorkingSet64"),
            new BenchmarkRow("EC2 requests for that evaluation",
                $"{formula.Total} ({describes} describes at the port, paged)", "fixed + pages", null, formula.Text),
        ];
    }

    internal sealed record WorldCounts(int Vpcs, int Peerings, int RouteTables, int FlowLogs, int Groups, int Acls, int PeeredVpcs)
    {
        public string Short => $"{Vpcs:N0} VPCs, {Peerings:N0} peerings, {RouteTables:N0} route tables, {FlowLogs:N0} flow logs";

        public override string ToString() => $"{Short}, {Groups:N0} security groups, {Acls:N0} network ACLs";
    }

    /// <summary>
    /// AWS requests the real gateway makes for one scope: DescribeVpcPeeringConnections and DescribeVpcs page by 1,000,
    /// DescribeRouteTables by 100, DescribeFlowLogs in filters of 200 resource ids (one page each here), and — when a
    /// managed peering is active in the scope — DescribeSecurityGroups by 1,000 and DescribeNetworkAcls by 100. (Plus one
    /// DescribeVpcs per 200 VPCs of other managed scopes that peer in: none here.)
    /// </summary>
    internal static (int Total, string Text) ApiFormula(WorldCounts c)
    {
        static int Pages(int items, int size) => Math.Max(1, (items + size - 1) / size);
        var parts = new (string Name, int Calls)[]
        {
            ($"⌈{c.Peerings}/1000⌉ peerings", Pages(c.Peerings, 1000)),
            ($"⌈{c.Vpcs}/1000⌉ VPCs", Pages(c.Vpcs, 1000)),
            ($"⌈{c.RouteTables}/100⌉ route tables", Pages(c.RouteTables, 100)),
            ($"⌈{c.PeeredVpcs}/200⌉ flow-log batches", Pages(c.PeeredVpcs, 200)),
            ($"⌈{c.Groups}/1000⌉ groups", Pages(c.Groups, 1000)),
            ($"⌈{c.Acls}/100⌉ ACLs", Pages(c.Acls, 100)),
        };
        return (parts.Sum(p => p.Calls), string.Join(" + ", parts.Select(p => $"{p.Name} ({p.Calls})")));
    }

    internal static (FakeEc2 Ec2, InMemoryRequestLedger Ledger, WorldCounts Counts) Build(int vpcCount)
    {
        var ec2 = new FakeEc2();
        var ledger = new InMemoryRequestLedger();
        var vpcs = new List<(VpcId Id, Cidr Block)>(vpcCount);
        for (var i = 0; i < vpcCount; i++)
        {
            var block = Cidr.Parse($"10.{i / 256}.{i % 256}.0/24");
            var id = VpcId.Parse($"vpc-{i + 1:x17}");
            vpcs.Add((id, block));
            ec2.Vpcs.Add((Scope, new Vpc { Id = id, OwnerId = Scope.Account, State = "available", Ipv4Blocks = [block], Ipv6Blocks = [] }));
        }
        var peerOf = new Dictionary<int, (PeeringConnectionId Id, int Peer, RequestId? Request)>();
        for (var p = 0; p + 1 < vpcCount; p += 2)
        {
            var id = PeeringConnectionId.Parse($"pcx-{p / 2 + 1:x17}");
            var managed = p / 2 % 2 == 0;
            RequestId? request = managed ? RequestId.Parse($"bench-{p / 2}") : null;
            var tags = managed
                ? new Dictionary<string, string> { [ManagedMarkers.ManagedTag] = "true", [ManagedMarkers.RequestIdTag] = request!.Value.Value }
                : [];
            ec2.Peerings[id] = new PeeringConnection
            {
                Id = id, Status = PeeringStatus.Active, Tags = tags,
                Requester = new PeeringSideInfo(Scope.Account, Scope.Region, vpcs[p].Id),
                Accepter = new PeeringSideInfo(Scope.Account, Scope.Region, vpcs[p + 1].Id),
                RequesterBlocks = [vpcs[p].Block], AccepterBlocks = [vpcs[p + 1].Block],
            };
            if (request is not null)
            {
                ledger.Peerings[id] = request.Value;
            }
            peerOf[p] = (id, p + 1, request);
            peerOf[p + 1] = (id, p, request);
        }
        var tables = 0;
        var groups = 0;
        var acls = 0;
        var logs = 0;
        for (var i = 0; i < vpcs.Count; i++)
        {
            var (vpc, block) = vpcs[i];
            var subnet = $"subnet-{i + 1:x17}";
            var peered = peerOf.TryGetValue(i, out var peering);
            var toPeer = new List<Route> { new(block, RouteTargetKind.Local, "local", "active") };
            if (peered)
            {
                var peerBlock = vpcs[peering.Peer].Block;
                // One route in ten points at a deleted peering: a blackhole finding each.
                toPeer.Add(i % 10 == 0
                    ? new Route(peerBlock, RouteTargetKind.PeeringConnection, $"pcx-{0xfff00000 + i:x17}", "blackhole")
                    : new Route(peerBlock, RouteTargetKind.PeeringConnection, peering.Id.Value, "active"));
            }
            ec2.RouteTables.Add((Scope, new RouteTable { Id = RouteTableId.Parse($"rtb-{2 * i + 1:x17}"), VpcId = vpc, IsMain = true, Routes = toPeer }));
            ec2.RouteTables.Add((Scope, new RouteTable
            {
                Id = RouteTableId.Parse($"rtb-{2 * i + 2:x17}"), VpcId = vpc, IsMain = false, Routes = toPeer, SubnetIds = [subnet],
            }));
            tables += 2;
            ec2.FlowLogs.Add((Scope, new FlowLog($"fl-{i + 1:x17}", vpc.Value, "ACTIVE", i % 20 == 0 ? "REJECT" : "ALL")));
            logs++;
            var ingress = peered && peering.Request is { } owner
                ? new List<IngressPermission>
                {
                    new() { Protocol = "tcp", FromPort = 443, ToPort = 443, SourceCidr = vpcs[peering.Peer].Block, Description = ManagedMarkers.RuleDescription(owner) },
                }
                : [];
            ec2.Groups.Add((Scope, new SecurityGroup { Id = SecurityGroupId.Parse($"sg-{i + 1:x17}"), VpcId = vpc, OwnerId = Scope.Account, Ingress = ingress }));
            groups++;
            ec2.NetworkAcls.Add((Scope, new NetworkAcl
            {
                Id = $"acl-{i + 1:x17}", VpcId = vpc, IsDefault = true, SubnetIds = [subnet],
                Entries =
                [
                    new NetworkAclEntry(100, false, "-1", true, Cidr.Parse("0.0.0.0/0")),
                    new NetworkAclEntry(100, true, "-1", true, Cidr.Parse("0.0.0.0/0")),
                ],
            }));
            acls++;
        }
        return (ec2, ledger, new WorldCounts(vpcs.Count, ec2.Peerings.Count, tables, logs, groups, acls, peerOf.Count));
    }

    /// <summary>The 1-minute load average beside the figure: the build machine is shared, so wall time is noisy.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
