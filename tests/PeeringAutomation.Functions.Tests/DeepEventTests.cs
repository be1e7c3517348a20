using System.Text;
using System.Text.Json.Nodes;
using PeeringAutomation.Functions.Compliance;
using PeeringAutomation.Functions.Notifications;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// Events nested deeper than a JSON reader allows by default (64 levels) reach three more handlers:
/// any member account may put <c>Compliance Check Requested</c> and <c>Compliance Finding Suppression
/// Requested</c>, and ForwardToMembers copies automation events that can echo what a member sent.
/// Each answers as for any other malformed event (a refusal, nothing scanned, no member bus), rather
/// than throwing: a thrown error fails the execution, and its failed-execution alarm would page the
/// platform team for every such event a member chose to put.
/// </summary>
public sealed class DeepEventTests
{
    private readonly ProvisioningWorld world = new();

    /// <summary>An envelope as EventBridge delivers it, with one detail field nested <paramref name="depth"/> arrays deep.</summary>
    private static MemoryStream Event(string detailType, string source, string field, int depth)
    {
        var nested = new string('[', depth) + new string(']', depth);
        var json = "{\"version\":\"0\",\"id\":\"deep-" + depth + "\",\"detail-type\":\"" + detailType + "\",\"source\":\"" + source +
            "\",\"account\":\"" + ProvisioningWorld.Requester.Account.Value + "\",\"time\":\"2026-11-30T10:00:00Z\",\"region\":\"us-east-1\"," +
            "\"resources\":[],\"detail\":{\"" + field + "\":" + nested + "}}";
        return new MemoryStream(Encoding.UTF8.GetBytes(json));
    }

    private static async Task<JsonNode> OutputAsync(Func<Stream, Task<Stream>> handler, Stream input)
    {
        await using var output = await handler(input);
        return (await JsonNode.ParseAsync(output))!;
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100_000)]
    public async Task PlanComplianceSweepFunctionHandle_ScansNothingAndSaysWhyGivenADetailNestedTooDeep(int depth)
    {
        var plan = await OutputAsync(new PlanComplianceSweepFunction(world.Services).Handle, Event("Compliance Check Requested", "vpc-peering", "accountIds", depth));

        plan["scopes"]!.AsArray().ShouldBeEmpty();
        plan["reasons"]!.AsArray().ShouldHaveSingleItem()!["message"]!.GetValue<string>().ShouldContain("nested deeper than");
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100_000)]
    public async Task SuppressFindingFunctionHandle_RefusesAndSaysWhyGivenADetailNestedTooDeep(int depth)
    {
        var output = await OutputAsync(new SuppressFindingFunction(world.Services).Handle, Event("Compliance Finding Suppression Requested", "vpc-peering", "findingId", depth));

        var entry = output["entries"]!.AsArray().ShouldHaveSingleItem()!;
        entry["DetailType"]!.GetValue<string>().ShouldBe(SuppressFindingFunction.RefusedDetailType);
        entry["Detail"]!.GetValue<string>().ShouldContain("findingId: expected the findingId");
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100_000)]
    public async Task PlanMemberDeliveriesFunctionHandle_PlansNoMemberBusGivenADetailNestedTooDeep(int depth)
    {
        var plan = await OutputAsync(new PlanMemberDeliveriesFunction(world.Services).Handle, Event("Peering Request Rejected", "vpc-peering.automation", "requester", depth));

        plan["eventBusArns"]!.AsArray().ShouldBeEmpty();
    }
}
