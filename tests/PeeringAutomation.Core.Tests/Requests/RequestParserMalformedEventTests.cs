using System.Text.Json.Nodes;

namespace PeeringAutomation.Core.Tests.Requests;

/// <summary>
/// The issue's proof: malformed <c>Peering Requested</c> events of many distinct kinds are each
/// refused with a reason that names the offending field by its JSON path.
/// </summary>
public sealed class RequestParserMalformedEventTests
{
    private sealed record Case(Func<PeeringRequestedEventBuilder, PeeringRequestedEventBuilder> Break, string Path, string Code = ReasonCodes.InvalidRequest);

    private static JsonNode? Json(string json) => JsonNode.Parse(json);

    // One entry per kind of mistake; the key names the kind, Path is the field the reason must name.
    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["missing required field"] = new(b => b.Without("requester.vpcId"), "requester.vpcId"),
        ["required field is null"] = new(b => b.With("accepter", null), "accepter"),
        ["object where a string is expected"] = new(b => b.With("requester.accountId", Json("{}")), "requester.accountId"),
        ["string where an object is expected"] = new(b => b.With("requester", "111111111111"), "requester"),
        ["bad account id"] = new(b => b.With("requester.accountId", "11111111111"), "requester.accountId"),
        ["bad region"] = new(b => b.With("accepter.region", "EU-WEST-1"), "accepter.region"),
        ["bad vpc id"] = new(b => b.With("accepter.vpcId", "vpc-XYZ"), "accepter.vpcId"),
        ["bad route table id"] = new(b => b.With("requester.routeTableIds[0]", "rtb-123"), "requester.routeTableIds[0]"),
        ["duplicate route table id"] = new(b => b.With("requester.routeTableIds", Json("""["rtb-0123456789abcdef0","rtb-0123456789abcdef0"]""")), "requester.routeTableIds[1]"),
        ["empty routeTableIds"] = new(b => b.With("accepter.routeTableIds", new JsonArray()), "accepter.routeTableIds"),
        ["bad security group id"] = new(b => b.With("requester.ingressFromPeer[0].securityGroupId", "sg-12"), "requester.ingressFromPeer[0].securityGroupId"),
        ["ingressFromPeer not an array"] = new(b => b.With("requester.ingressFromPeer", Json("{}")), "requester.ingressFromPeer"),
        ["port above 65535"] = new(b => b.With("requester.ingressFromPeer[0].fromPort", 70000), "requester.ingressFromPeer[0].fromPort"),
        ["negative tcp port"] = new(b => b.With("requester.ingressFromPeer[0].toPort", -1), "requester.ingressFromPeer[0].toPort"),
        ["fromPort greater than toPort"] = new(b => b.WithIngress("requester", "tcp", 8443, 443), "requester.ingressFromPeer[0].fromPort"),
        ["port as a string"] = new(b => b.With("requester.ingressFromPeer[0].toPort", "443"), "requester.ingressFromPeer[0].toPort"),
        ["port as a fraction"] = new(b => b.With("requester.ingressFromPeer[0].fromPort", 1.5), "requester.ingressFromPeer[0].fromPort"),
        ["missing tcp port"] = new(b => b.Without("requester.ingressFromPeer[0].toPort"), "requester.ingressFromPeer[0].toPort"),
        ["unknown protocol"] = new(b => b.With("requester.ingressFromPeer[0].protocol", "http"), "requester.ingressFromPeer[0].protocol"),
        ["icmp code out of range"] = new(b => b.WithIngress("accepter", "icmp", 8, 300), "accepter.ingressFromPeer[0].toPort"),
        ["icmp code without a type"] = new(b => b.WithIngress("accepter", "icmpv6", -1, 4), "accepter.ingressFromPeer[0].toPort"),
        ["port on all traffic"] = new(b => b.WithIngress("requester", "all", 443, 443), "requester.ingressFromPeer[0].fromPort"),
        ["duplicate ingress rule"] = new(b => b.With("requester.ingressFromPeer", Json("""[{"securityGroupId":"sg-0123456789abcdef0","protocol":"udp","fromPort":53,"toPort":53},{"securityGroupId":"sg-0123456789abcdef0","protocol":"udp","fromPort":53,"toPort":53}]""")), "requester.ingressFromPeer[1]"),
        ["unknown top-level field"] = new(b => b.With("destinationCidr", Json("""["10.1.0.0/16"]""")), "destinationCidr"),
        ["unknown nested field"] = new(b => b.With("requester.ingresFromPeer", new JsonArray()), "requester.ingresFromPeer"),
        ["unknown field in an ingress rule"] = new(b => b.With("requester.ingressFromPeer[0].cidr", "0.0.0.0/0"), "requester.ingressFromPeer[0].cidr"),
        ["field name in the wrong case"] = new(b => b.With("RequestId", "chg-1"), "RequestId"),
        ["bad request id"] = new(b => b.WithRequestId("chg 2041!"), "requestId"),
        ["request id too long"] = new(b => b.WithRequestId(new string('a', 65)), "requestId"),
        ["bad CIDR"] = new(b => b.WithDestinationCidrs("10.0.0/8"), "destinationCidrs[0]"),
        ["CIDR with host bits set"] = new(b => b.WithDestinationCidrs("10.1.0.0/16", "10.2.3.4/16"), "destinationCidrs[1]"),
        ["CIDR prefix too long"] = new(b => b.WithDestinationCidrs("10.1.0.0/33"), "destinationCidrs[0]"),
        ["duplicate CIDRs"] = new(b => b.WithDestinationCidrs("10.1.0.0/16", "10.1.0.0/16"), "destinationCidrs[1]"),
        ["empty destinationCidrs"] = new(b => b.WithDestinationCidrs(), "destinationCidrs"),
        ["IPv4 default route"] = new(b => b.WithDestinationCidrs("0.0.0.0/0"), "destinationCidrs[0]", ReasonCodes.TransitiveRouting),
        ["IPv6 default route"] = new(b => b.WithDestinationCidrs("10.1.0.0/16", "::/0"), "destinationCidrs[1]", ReasonCodes.TransitiveRouting),
        ["destination wider than any VPC"] = new(b => b.WithDestinationCidrs("10.0.0.0/8"), "destinationCidrs[0]", ReasonCodes.TransitiveRouting),
        ["allowDnsResolution not a boolean"] = new(b => b.With("allowDnsResolution", "yes"), "allowDnsResolution"),
        ["expiresAt in the past"] = new(b => b.WithExpiresAt("2026-11-01T00:00:00Z"), "expiresAt"),
        ["expiresAt too far ahead"] = new(b => b.WithExpiresAt("2028-01-01T00:00:00Z"), "expiresAt"),
        ["expiresAt not a timestamp"] = new(b => b.WithExpiresAt("next tuesday"), "expiresAt"),
        ["expiresAt not in UTC"] = new(b => b.WithExpiresAt("2026-12-24T00:00:00+02:00"), "expiresAt"),
        ["tags not an object"] = new(b => b.With("tags", Json("""["CostCenter"]""")), "tags"),
        ["tag value not a string"] = new(b => b.With("tags.CostCenter", 1234), "tags.CostCenter"),
        ["tag key reserved by AWS"] = new(b => b.WithTag("aws:cloudformation:stack-name", "x"), """tags["aws:cloudformation:stack-name"]"""),
        ["tag key reserved for the automation"] = new(b => b.WithTag("peering-automation:managed", "false"), """tags["peering-automation:managed"]"""),
        ["requestedBy too long"] = new(b => b.With("requestedBy", new string('x', 257)), "requestedBy"),
        ["same VPC on both sides"] = new(b => b.With("accepter.accountId", PeeringRequestedEventBuilder.RequesterAccount).With("accepter.region", "us-east-1").With("accepter.vpcId", PeeringRequestedEventBuilder.RequesterVpc), "accepter"),
        ["detail not an object"] = new(b => b.WithEnvelope("detail", "{\"requestId\":\"x\"}"), "detail"),
        ["wrong source"] = new(b => b.WithEnvelope("source", "vpc-peering.automation"), "source"),
        ["wrong detail-type"] = new(b => b.WithEnvelope("detail-type", "Peering Teardown Requested"), "detail-type"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void RequestParserParsePeeringRequested_RejectsWithReasonNamingFieldGivenMalformedEvent(string kind)
    {
        var @case = Cases[kind];
        var json = @case.Break(Builders.PeeringRequested()).Build();

        var result = Builders.Parser().ParsePeeringRequested(json);

        result.IsValid.ShouldBeFalse(json);
        result.Reasons.ShouldContain(
            r => r.Code == @case.Code && r.Message.StartsWith(@case.Path + ": ", StringComparison.Ordinal),
            $"{kind}: expected a {@case.Code} reason naming '{@case.Path}', got:\n{string.Join("\n", result.Reasons)}");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_CoversAtLeastFifteenDistinctKindsOfMalformedEvent()
    {
        // Distinct kinds, not one mistake fifteen times: the cases break different fields.
        Cases.Count.ShouldBeGreaterThanOrEqualTo(15);
        Cases.Values.Select(c => c.Path).Distinct().Count().ShouldBeGreaterThanOrEqualTo(15);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsTheUnbrokenEventEveryCaseStartsFrom()
    {
        Builders.Parser().ParsePeeringRequested(Builders.PeeringRequested().Build()).IsValid.ShouldBeTrue();
    }
}
