using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Local.Faults;
using PeeringAutomation.Local.Hosting;
using Xunit.Abstractions;

namespace PeeringAutomation.Workflow.Operations.Tests;

/// <summary>
/// The chaos suite: 30 requests for six VPC pairs (two inter-region), five competing for each pair,
/// some delivered twice, two pairs torn down and one expiring — all under seeded throttling, 5xx,
/// Lambda service errors and duplicate deliveries. Every request must end Provisioned, Rejected,
/// Failed (rolled back) or TornDown, and EC2 and the ledger must agree exactly: no leaked peering,
/// route or rule, never two peerings for one pair.
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class ChaosWorkflowTests(WorldStack world, ITestOutputHelper output)
{
    private static readonly FaultSettings Chaos = new() { Throttle = 0.2, Server = 0.05, Lambda = 0.05, Duplicate = 0.1, Seed = 20261130 };
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static readonly (string A, string B, bool TornDown, bool Expires)[] Pairs =
    [
        ("x1", "x2", false, false),
        ("x3", "x4", true, false), // inter-region
        ("x5", "x6", false, true),
        ("x7", "x8", false, false), // inter-region
        ("x9", "x10", true, false),
        ("x11", "x12", false, false),
    ];

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);

    [Fact]
    public async Task Chaos_EveryRequestEndsCleanAndEc2AgreesWithTheLedgerGivenThrottlingErrorsAndDuplicates()
    {
        var requests = new List<(string Id, int Pair, JsonObject Detail)>();
        // Ahead far enough that all 30 requests pass validation under the chaos's throttling and retries.
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(40);
        for (var pair = 0; pair < Pairs.Length; pair++)
        {
            var (a, b, _, expires) = Pairs[pair];
            for (var n = 0; n < 5; n++)
            {
                var id = $"chaos-{pair}-{n}";
                // Competing requests name the pair both ways round; some open a port on their own side.
                var (requester, accepter) = n % 2 == 0 ? (a, b) : (b, a);
                var group = HasGroup(requester) ? Build.Side(requester, Build.Tcp(requester + "-app", 443)) : Build.Side(requester);
                var detail = Build.Request(id, group, Build.Side(accepter));
                if (expires)
                {
                    detail["expiresAt"] = expiresAt.ToString("yyyy-MM-ddTHH:mm:ssZ");
                }
                requests.Add((id, pair, detail));
            }
        }

        Stack.Faults.Set(Chaos);
        try
        {
            // Ten to a PutEvents call, as a busy team's tooling would send them.
            var eventIds = new List<string>();
            foreach (var batch in requests.Chunk(10))
            {
                var response = await Stack.Aws.EventsAsync("PutEvents", new JsonObject
                {
                    ["Entries"] = new JsonArray(batch.Select(r => (JsonNode)new JsonObject
                    {
                        ["Source"] = "vpc-peering", ["DetailType"] = "Peering Requested", ["Detail"] = r.Detail.ToJsonString(), ["EventBusName"] = Stack.EventBusName,
                    }).ToArray()),
                });
                eventIds.AddRange(response["Entries"]!.AsArray().Select(e => e!["EventId"]!.GetValue<string>()));
            }
            await Task.WhenAll(eventIds.Select(id => Stack.Driver.WaitForExecutionAsync(WorldStack.ProvisionMachine, id, Timeout)));
            await AllFinishedAsync(WorldStack.ProvisionMachine);

            foreach (var (_, pair, _) in requests.Where(r => Pairs[r.Pair].TornDown).DistinctBy(r => r.Pair))
            {
                if (await ProvisionedOfPairAsync(requests, pair) is { } winner)
                {
                    var teardown = await Stack.Driver.WaitForExecutionAsync("TeardownPeeringStateMachine",
                        await Stack.Driver.PutEventAsync("Peering Teardown Requested", new JsonObject { ["requestId"] = winner.RequestId.Value }), Timeout);
                    teardown.Status.ShouldBe("SUCCEEDED", teardown.ToString());
                }
            }
            if (expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is { Ticks: > 0 } left)
            {
                await Task.Delay(left);
            }
            var sweep = await Stack.Driver.WaitForExecutionAsync("TeardownPeeringStateMachine", await Stack.Driver.FireScheduleAsync("TeardownPeeringStateMachineExpirySweep"), Timeout);
            sweep.Status.ShouldBe("SUCCEEDED", sweep.ToString());
            await AllFinishedAsync("TeardownPeeringStateMachine");
        }
        finally
        {
            output.WriteLine($"faults: {Chaos}; {Stack.Faults.Counts.Snapshot()}");
            Stack.Faults.Set(FaultSettings.None);
        }

        var records = new Dictionary<string, RequestRecord?>();
        foreach (var (id, _, _) in requests)
        {
            records[id] = await Stack.Ledger!.GetAsync(RequestId.Parse(id));
        }
        output.WriteLine("outcomes: " + string.Join(", ", records.Values.GroupBy(r => r?.Status ?? "missing").Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine("retries (history entries beyond the first per request): " + records.Values.Sum(r => Math.Max(0, (r?.History.Count ?? 0) - 1)));

        records.Values.ShouldAllBe(r => r != null && (r.Status == LedgerStatus.Provisioned || r.Status == LedgerStatus.Rejected
                                                      || r.Status == LedgerStatus.Failed || r.Status == LedgerStatus.TornDown),
            string.Join("\n", records.Select(r => $"{r.Key}: {r.Value?.Status}")));
        for (var pair = 0; pair < Pairs.Length; pair++)
        {
            await PairAgreesWithLedgerAsync(pair, requests.Where(r => r.Pair == pair).Select(r => records[r.Id]!).ToList());
        }
    }

    private bool HasGroup(string vpc) => Stack.World.Vpc(vpc).SecurityGroups.Count > 0;

    private async Task<RequestRecord?> ProvisionedOfPairAsync(IEnumerable<(string Id, int Pair, JsonObject Detail)> requests, int pair)
    {
        foreach (var (id, _, _) in requests.Where(r => r.Pair == pair))
        {
            if (await Stack.Ledger!.GetAsync(RequestId.Parse(id)) is { Status: LedgerStatus.Provisioned } record)
            {
                return record;
            }
        }
        return null;
    }

    private async Task AllFinishedAsync(string machine)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline && (await Stack.Driver.ListExecutionsAsync(machine)).Any(e => e["status"]?.GetValue<string>() == "RUNNING"))
        {
            await Task.Delay(500);
        }
    }

    private async Task PairAgreesWithLedgerAsync(int pair, IReadOnlyList<RequestRecord> records)
    {
        var (a, b, tornDown, expires) = Pairs[pair];
        var holders = records.Where(r => r.Status == LedgerStatus.Provisioned).ToList();
        holders.Count.ShouldBeLessThanOrEqualTo(1, $"pair {a}/{b}: {string.Join(", ", holders.Select(h => h.RequestId))}");
        if (tornDown || expires)
        {
            holders.ShouldBeEmpty($"pair {a}/{b} was torn down");
        }
        var live = (await world.PeeringsBetweenAsync(a, b))
            .Where(p => p.Status.Code.Value is "initiating-request" or "pending-acceptance" or "provisioning" or "active").ToList();
        live.Select(p => p.VpcPeeringConnectionId).ShouldBe(holders.Select(h => h.PeeringId!.Value.Value), ignoreOrder: true,
            $"pair {a}/{b}: live peerings must be exactly the ledger's Provisioned one");
        var lockHolder = await Stack.Ledger!.GetPairLockAsync(VpcPair.Of(VpcId.Parse(Stack.World.IdOf(a)), VpcId.Parse(Stack.World.IdOf(b))));
        lockHolder?.Owner.Value.ShouldBe(holders.SingleOrDefault()?.RequestId.Value, $"pair {a}/{b}: the lock is held by the live request only");
        if (holders.Count == 0)
        {
            lockHolder.ShouldBeNull($"pair {a}/{b}: released");
        }
        foreach (var vpc in new[] { a, b })
        {
            var ec2 = await world.Ec2For(vpc);
            var tables = await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [new Filter("vpc-id", [Stack.World.IdOf(vpc)])] });
            var peeringRoutes = tables.RouteTables.SelectMany(t => t.Routes ?? []).Where(r => r.VpcPeeringConnectionId is not null).ToList();
            peeringRoutes.ShouldAllBe(r => holders.Any(h => h.PeeringId!.Value.Value == r.VpcPeeringConnectionId), $"{vpc}: no route to a peering the ledger does not hold");
            if (holders.Count == 1)
            {
                peeringRoutes.ShouldNotBeEmpty($"{vpc}: the provisioned peering is routed");
            }
            var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("vpc-id", [Stack.World.IdOf(vpc)])] });
            var ours = groups.SecurityGroups.SelectMany(g => g.IpPermissions ?? []).SelectMany(p => p.Ipv4Ranges ?? [])
                .Where(r => r.Description?.StartsWith("peering-automation ", StringComparison.Ordinal) == true).ToList();
            ours.ShouldAllBe(r => holders.Any(h => r.Description == "peering-automation " + h.RequestId.Value), $"{vpc}: no rule of a request that holds nothing");
        }
    }
}
