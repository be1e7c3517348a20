using System.Text.Json.Nodes;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Tests;

/// <summary>Handlers write to the process's stdout, so tests that read it run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console output";
}

/// <summary>
/// The EMF lines the dashboard and alarms read (README "Operations"): namespace PeeringAutomation,
/// dimension Step (and Code for rejections), as handlers print them.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class OperationsMetricsTests
{
    private readonly ProvisioningWorld world = new();

    private static async Task<List<JsonObject>> MetricsWhile(Func<Task> act)
    {
        var original = Console.Out;
        using var capture = new StringWriter();
        Console.SetOut(capture);
        try
        {
            await act();
        }
        finally
        {
            Console.SetOut(original);
        }
        return capture.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line) as JsonObject)
            .Where(o => o?["_aws"] is not null).Select(o => o!).ToList();
    }

    private static void ShouldBeEmf(JsonObject line, string metric, string step, params string[] dimensions)
    {
        var directive = line["_aws"]!["CloudWatchMetrics"]![0]!;
        directive["Namespace"]!.GetValue<string>().ShouldBe("PeeringAutomation");
        directive["Dimensions"]![0]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["Step", .. dimensions]);
        directive["Metrics"]![0]!["Name"]!.GetValue<string>().ShouldBe(metric);
        line["Step"]!.GetValue<string>().ShouldBe(step);
        line[metric].ShouldNotBeNull();
        foreach (var dimension in dimensions)
        {
            line[dimension].ShouldNotBeNull();
        }
    }

    private static JsonObject Metric(List<JsonObject> lines, string name) =>
        lines.Single(l => l["_aws"]!["CloudWatchMetrics"]![0]!["Metrics"]![0]!["Name"]!.GetValue<string>() == name);

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_EmitsRejectionsByCodeGivenARejectedRequest()
    {
        var envelope = world.Event(d => d["accepter"]!["region"] = "ap-south-1");

        var lines = await MetricsWhile(() => ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle, ProvisioningWorld.IntakeInput(envelope)));

        ShouldBeEmf(Metric(lines, "RequestsRejected"), "RequestsRejected", "ValidatePeeringRequest");
        var byCode = Metric(lines, "RequestsRejectedByCode");
        ShouldBeEmf(byCode, "RequestsRejectedByCode", "ValidatePeeringRequest", "Code");
        byCode["Code"]!.GetValue<string>().ShouldBe("RegionNotManaged");
    }

    [Fact]
    public async Task RecordApprovalDecisionFunctionHandle_EmitsRejectionsByCodeGivenARejectedApproval()
    {
        // From the requester's account without the accepter's consent: the accepter must approve.
        var envelope = world.Event();
        envelope["account"] = "111111111111";
        var asked = await world.ProvisionAsync(envelope);
        asked["approvalRequested"].ShouldNotBeNull();

        var lines = await MetricsWhile(() => world.DecideAsync("222222222222", asked["requestId"]!.GetValue<string>(), "reject",
            "arn:aws:states:us-east-1:123456789012:execution:provision:decision-1", "not this quarter"));

        ShouldBeEmf(Metric(lines, "RequestsRejected"), "RequestsRejected", "RecordApprovalDecision");
        var byCode = Metric(lines, "RequestsRejectedByCode");
        ShouldBeEmf(byCode, "RequestsRejectedByCode", "RecordApprovalDecision", "Code");
        byCode["Code"]!.GetValue<string>().ShouldBe("ApprovalRejected");
    }

    [Fact]
    public async Task RollbackPeeringFunctionHandle_EmitsPeeringsFailedGivenARollback()
    {
        var state = (JsonObject)await ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle, ProvisioningWorld.IntakeInput(world.Event()));
        state["error"] = new JsonObject { ["Error"] = "States.Timeout", ["Cause"] = "simulated" };

        var lines = await MetricsWhile(() => ProvisioningWorld.InvokeAsync(new RollbackPeeringFunction(world.Services).Handle, state));

        ShouldBeEmf(Metric(lines, "PeeringsFailed"), "PeeringsFailed", "RollbackPeering");
    }

    [Fact]
    public async Task SummarizeComplianceFunctionHandle_EmitsOneFindingsMetricPerTypeGivenASweep()
    {
        var lines = await MetricsWhile(() => ComplianceTests.SweepAsync(world));

        foreach (var type in FindingTypes.All)
        {
            ShouldBeEmf(Metric(lines, "Findings" + type), "Findings" + type, "SummarizeCompliance");
        }
    }
}
