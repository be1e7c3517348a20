using System.Text.Json.Nodes;
using PeeringAutomation.Core.Changes;

namespace PeeringAutomation.Core.Tests.Requests;

public sealed class RequestParserParsePeeringChangeRequestedTests
{
    private static RequestParseResult<PeeringChangeRequest> Parse(JsonObject detail) =>
        Builders.Parser().ParsePeeringChangeRequested(new DetailEventBuilder("Peering Change Requested", detail).Build());

    [Fact]
    public void RequestParserParsePeeringChangeRequested_DefaultsTheChangeIdToTheEventIdAndKeepsWhatIsLeftOut()
    {
        var result = Parse(new JsonObject { ["requestId"] = "chg-2041", ["allowDnsResolution"] = true });

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.ChangeId.ShouldBe(RequestId.Parse(Builders.EventId));
        result.Value.AllowDnsResolution.ShouldBe(true);
        result.Value.Requester.ShouldBeNull();
        result.Value.DestinationCidrsGiven.ShouldBeFalse();
        result.Value.Expiry.ShouldBeNull();
    }

    [Fact]
    public void RequestParserParsePeeringChangeRequested_ReadsNeverAsNoExpiryAndNullCidrsAsEveryBlock()
    {
        var result = Parse(new JsonObject { ["requestId"] = "chg-2041", ["changeId"] = "c-1", ["expiresAt"] = "never", ["destinationCidrs"] = null });

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.Expiry.ShouldBe(new ExpiryChange(null));
        result.Value.DestinationCidrsGiven.ShouldBeTrue();
        result.Value.DestinationCidrs.ShouldBeNull();
    }

    [Fact]
    public void RequestParserParsePeeringChangeRequested_KeepsTheSideTablesGivenOnlyIngress()
    {
        var result = Parse(new JsonObject
        {
            ["requestId"] = "chg-2041",
            ["accepter"] = new JsonObject
            {
                ["ingressFromPeer"] = new JsonArray(new JsonObject { ["securityGroupId"] = "sg-0123456789abcdef0", ["protocol"] = "tcp", ["fromPort"] = 5432, ["toPort"] = 5432 }),
            },
        });

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.Accepter!.RouteTablesGiven.ShouldBeFalse();
        result.Value.Accepter.IngressFromPeer!.Single().FromPort.ShouldBe(5432);
    }

    [Theory]
    [InlineData("{\"allowDnsResolution\": true}", "requestId")]
    [InlineData("{\"requestId\": \"chg-2041\", \"requester\": {\"vpcId\": \"vpc-0123456789abcdef0\"}}", "requester.vpcId")]
    [InlineData("{\"requestId\": \"chg-2041\", \"requester\": {\"routeTableIds\": []}}", "requester.routeTableIds")]
    [InlineData("{\"requestId\": \"chg-2041\", \"expiresAt\": \"2026-11-01T00:00:00Z\"}", "expiresAt")]
    [InlineData("{\"requestId\": \"chg-2041\", \"expiresAt\": \"2028-01-01T00:00:00Z\"}", "expiresAt")]
    [InlineData("{\"requestId\": \"chg-2041\", \"tags\": {\"a\": \"b\"}}", "tags")]
    [InlineData("{\"requestId\": \"chg-2041\", \"destinationCidrs\": [\"0.0.0.0/0\"]}", "destinationCidrs[0]")]
    public void RequestParserParsePeeringChangeRequested_NamesTheFieldGivenABadOne(string detail, string field)
    {
        var result = Parse((JsonObject)JsonNode.Parse(detail)!);

        result.IsValid.ShouldBeFalse();
        result.Reasons.ShouldContain(r => r.Message.StartsWith(field), result.ToString());
    }
}
