using PeeringAutomation.Core.Model;
using PeeringAutomation.Testing;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// EC2 and DynamoDB calls per provisioning (one rule on one side, one table per side) and per teardown,
/// counted on the in-memory EC2 and ledger — the same counts <c>ApiCallCountTests</c> asserts — beside the
/// lower bound argued in README "Performance (measured)".
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- api-calls
/// </summary>
public sealed class ApiCallsBenchmark : IBenchmark
{
    /// <summary>12 reads + 6 writes: README "EC2 calls per provisioning: the lower bound".</summary>
    private const int LowerBound = 18;

    public string Name => "api-calls";

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var world = new ProvisioningWorld();
        await world.ProvisionAsync(world.Event());
        var ec2 = world.Ec2.Calls.ToList();
        var dynamo = world.Ledger.Calls.ToList();
        log.WriteLine($"provisioning EC2: {string.Join(", ", ec2.GroupBy(c => c).Select(g => $"{g.Key}×{g.Count()}"))}");
        log.WriteLine($"provisioning DynamoDB: {string.Join(", ", dynamo)}");

        world.Ec2.Calls.Clear();
        var services = world.Services;
        var resolution = await services.Teardowns.ResolveAsync(new Core.Requests.TeardownRequest { RequestId = RequestId.Parse("chg-42") }, "123456789012");
        var target = resolution.Targets.Single();
        await services.Remover.RemoveAsync((await world.Ledger.GetAsync(target.RequestId))!, target.PeeringId);
        var teardown = world.Ec2.Calls.Count;

        var goal = (int)(1.2 * LowerBound);
        return
        [
            new BenchmarkRow("EC2 calls per provisioning (one rule on one side, one table per side)",
                $"{ec2.Count} ({ec2.Count / (double)LowerBound:F2} × the lower bound of {LowerBound})", $"≤ 1.2 × {LowerBound} = {goal}",
                ec2.Count <= goal, "counted on the in-memory EC2 (ApiCallCountTests asserts it)"),
            new BenchmarkRow("DynamoDB calls per provisioning",
                $"{dynamo.Count} ({string.Join(", ", dynamo)})", "claim + pair lock, one write per status change", null,
                "counted on the in-memory ledger; the extra two: the ownership read and the peering-id write at Create"),
            new BenchmarkRow("EC2 calls per teardown", $"{teardown}", "—", null, "the ledger names the peering: no search"),
        ];
    }
}
