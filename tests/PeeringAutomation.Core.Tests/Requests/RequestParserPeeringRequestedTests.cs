using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeeringAutomation.Core.Tests.Requests;

public sealed class RequestParserPeeringRequestedTests
{
    private static readonly RequestParser Parser = Builders.Parser();

    private static RequestParseResult<PeeringRequest> Parse(PeeringRequestedEventBuilder builder) =>
        Parser.ParsePeeringRequested(builder.Build());

    private static PeeringRequest ParseValid(PeeringRequestedEventBuilder builder)
    {
        var result = Parse(builder);
        result.IsValid.ShouldBeTrue(result.ToString());
        result.Reasons.ShouldBeEmpty();
        return result.Value;
    }

    private static string[] Messages(PeeringRequestedEventBuilder builder)
    {
        var result = Parse(builder);
        result.IsValid.ShouldBeFalse();
        result.Value.ShouldBeNull();
        return [.. result.Reasons.Select(r => r.Message)];
    }

    // ---- valid events -------------------------------------------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_ReturnsEveryFieldGivenTheDesignExample()
    {
        var request = ParseValid(Builders.PeeringRequested());

        request.RequestId.Value.ShouldBe("chg-2041");
        request.Requester.AccountId.Value.ShouldBe("111111111111");
        request.Requester.Region.Value.ShouldBe("us-east-1");
        request.Requester.VpcId.Value.ShouldBe(PeeringRequestedEventBuilder.RequesterVpc);
        request.Requester.RouteTableIds.ShouldNotBeNull().Select(r => r.Value).ShouldBe([PeeringRequestedEventBuilder.RequesterRouteTable]);
        request.Requester.IngressFromPeer.ShouldBe([new IngressRequest
        {
            SecurityGroupId = SecurityGroupId.Parse(PeeringRequestedEventBuilder.RequesterGroup),
            Protocol = "tcp",
            FromPort = 443,
            ToPort = 443,
        }]);
        request.Accepter.AccountId.Value.ShouldBe("222222222222");
        request.Accepter.Region.Value.ShouldBe("eu-west-1");
        request.Accepter.IngressFromPeer.ShouldBeEmpty();
        request.DestinationCidrs.ShouldBeNull();
        request.AllowDnsResolution.ShouldBeFalse();
        request.ExpiresAt.ShouldBe(new DateTimeOffset(2026, 12, 24, 0, 0, 0, TimeSpan.Zero));
        request.Tags.ShouldBe(new Dictionary<string, string> { ["CostCenter"] = "1234" });
        request.RequestedBy.ShouldBe("alice@example.com");
        request.IsCrossRegion.ShouldBeTrue();
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AppliesDefaultsGivenOnlyRequiredFields()
    {
        var request = ParseValid(Builders.PeeringRequested().Minimal());

        request.RequestId.Value.ShouldBe(Builders.EventId);
        request.Requester.RouteTableIds.ShouldBeNull();
        request.Requester.IngressFromPeer.ShouldBeEmpty();
        request.DestinationCidrs.ShouldBeNull();
        request.AllowDnsResolution.ShouldBeFalse();
        request.ExpiresAt.ShouldBeNull();
        request.Tags.ShouldBeEmpty();
        request.RequestedBy.ShouldBeNull();
    }

    [Fact]
    public void RequestParserParsePeeringRequested_TreatsNullAsAbsentGivenOptionalFieldsSetToNull()
    {
        var builder = Builders.PeeringRequested();
        foreach (var name in new[] { "requestId", "destinationCidrs", "allowDnsResolution", "expiresAt", "tags", "requestedBy", "requester.routeTableIds", "requester.ingressFromPeer" })
        {
            builder.With(name, null);
        }

        var request = ParseValid(builder);

        request.RequestId.Value.ShouldBe(Builders.EventId);
        request.Requester.RouteTableIds.ShouldBeNull();
        request.Requester.IngressFromPeer.ShouldBeEmpty();
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsJsonElementGivenTheSameEvent()
    {
        var result = Parser.ParsePeeringRequested(Builders.PeeringRequested().BuildElement());

        result.IsValid.ShouldBeTrue(result.ToString());
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsUnknownEnvelopeFieldGivenEventBridgeAddsOne()
    {
        // EventBridge owns the envelope and adds fields (replay-name on replayed events).
        ParseValid(Builders.PeeringRequested().WithEnvelope("replay-name", "replay-1"));
    }

    // ---- requestId ----------------------------------------------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRequestIdGivenNoRequestIdAndUnusableEventId()
    {
        var messages = Messages(Builders.PeeringRequested().WithRequestId(null).WithEnvelope("id", "not a request id!"));

        messages.ShouldHaveSingleItem().ShouldStartWith("requestId: is absent and the event id cannot stand in for it ('not a request id!'");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRequestIdGivenNoRequestIdAndNoEventId()
    {
        var messages = Messages(Builders.PeeringRequested().WithRequestId(null).WithoutEnvelope("id"));

        messages.ShouldHaveSingleItem().ShouldStartWith("requestId: is absent");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRequestIdGivenANumber()
    {
        Messages(Builders.PeeringRequested().With("requestId", 2041))
            .ShouldBe(["requestId: must be a string, got number 2041"]);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("CHG-2041_v1.2")]
    public void RequestParserParsePeeringRequested_AcceptsRequestIdGivenAllowedCharacters(string requestId)
    {
        ParseValid(Builders.PeeringRequested().WithRequestId(requestId)).RequestId.Value.ShouldBe(requestId);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsRequestIdGivenSixtyFourCharacters()
    {
        var requestId = new string('a', 64);
        ParseValid(Builders.PeeringRequested().WithRequestId(requestId)).RequestId.Value.ShouldBe(requestId);
    }

    // ---- sides ----------------------------------------------------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_NamesEveryMissingFieldGivenEmptySide()
    {
        Messages(Builders.PeeringRequested().With("requester", new JsonObject())).ShouldBe(
        [
            "requester.accountId: is required",
            "requester.region: is required",
            "requester.vpcId: is required",
        ]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsSideGivenAnArray()
    {
        Messages(Builders.PeeringRequested().With("accepter", new JsonArray()))
            .ShouldBe(["accepter: must be an object, got an array"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRequiredFieldGivenNull()
    {
        Messages(Builders.PeeringRequested().With("requester.region", null))
            .ShouldBe(["requester.region: is required and must not be null"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_ExplainsExpectedFormatGivenBadAccountId()
    {
        Messages(Builders.PeeringRequested().With("requester.accountId", "1111-1111-1111"))
            .ShouldBe(["requester.accountId: '1111-1111-1111' is not an AWS account id (exactly 12 digits)"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsSameVpcGivenIdenticalSides()
    {
        var messages = Messages(Builders.PeeringRequested()
            .With("accepter.accountId", PeeringRequestedEventBuilder.RequesterAccount)
            .With("accepter.region", "us-east-1")
            .With("accepter.vpcId", PeeringRequestedEventBuilder.RequesterVpc));

        messages.ShouldHaveSingleItem().ShouldContain("a VPC cannot be peered with itself");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsSameVpcIdGivenDifferentAccounts()
    {
        // VPC ids are unique per account and region, not globally: only all three together name one VPC.
        ParseValid(Builders.PeeringRequested().With("accepter.vpcId", PeeringRequestedEventBuilder.RequesterVpc));
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SaysToOmitGivenEmptyRouteTableIds()
    {
        Messages(Builders.PeeringRequested().With("requester.routeTableIds", new JsonArray())).ShouldBe(
            ["requester.routeTableIds: must not be empty: omit routeTableIds (or set it to null) to route from every route table of the VPC"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_NamesBothPositionsGivenDuplicateRouteTable()
    {
        var rtb = PeeringRequestedEventBuilder.RequesterRouteTable;
        Messages(Builders.PeeringRequested().With("requester.routeTableIds", new JsonArray(rtb, "rtb-0aaaaaaaaaaaaaaaa", rtb)))
            .ShouldBe([$"requester.routeTableIds[2]: '{rtb}' duplicates requester.routeTableIds[0]; list each once"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRouteTableIdGivenANumber()
    {
        Messages(Builders.PeeringRequested().With("requester.routeTableIds", new JsonArray(42)))
            .ShouldBe(["requester.routeTableIds[0]: must be a string, got number 42"]);
    }

    // ---- ingressFromPeer ------------------------------------------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_NamesFieldAndValueGivenPortAboveRange()
    {
        Messages(Builders.PeeringRequested().With("requester.ingressFromPeer[0].fromPort", 70000))
            .ShouldBe(["requester.ingressFromPeer[0].fromPort: must be 0-65535, got 70000"]);
    }

    [Theory]
    [InlineData("tcp", 0, 65535)]
    [InlineData("udp", 53, 53)]
    [InlineData("tcp", 1024, 2048)]
    public void RequestParserParsePeeringRequested_AcceptsPortsGivenTcpOrUdpRange(string protocol, int from, int to)
    {
        var rule = ParseValid(Builders.PeeringRequested().WithIngress("requester", protocol, from, to)).Requester.IngressFromPeer.Single();

        (rule.Protocol, rule.FromPort, rule.ToPort).ShouldBe((protocol, from, to));
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsFromPortGivenItExceedsToPort()
    {
        Messages(Builders.PeeringRequested().WithIngress("requester", "tcp", 8443, 443))
            .ShouldBe(["requester.ingressFromPeer[0].fromPort: must not be greater than toPort (443), got 8443"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RequiresBothPortsGivenTcpWithoutPorts()
    {
        Messages(Builders.PeeringRequested().WithIngress("requester", "tcp", null, null)).ShouldBe(
        [
            "requester.ingressFromPeer[0].fromPort: is required for protocol 'tcp' (a port number 0-65535)",
            "requester.ingressFromPeer[0].toPort: is required for protocol 'tcp' (a port number 0-65535)",
        ]);
    }

    [Theory]
    [InlineData("\"443\"", "string '443'")]
    [InlineData("1.5", "number 1.5")]
    [InlineData("4.43e2", "number 4.43e2")]
    [InlineData("true", "boolean true")]
    public void RequestParserParsePeeringRequested_RejectsPortGivenNonInteger(string port, string described)
    {
        Messages(Builders.PeeringRequested().With("requester.ingressFromPeer[0].toPort", JsonNode.Parse(port)))
            .ShouldBe([$"requester.ingressFromPeer[0].toPort: must be an integer, got {described}"]);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("-1")]
    public void RequestParserParsePeeringRequested_NormalizesToMinusOneGivenAllTraffic(string protocol)
    {
        var rule = ParseValid(Builders.PeeringRequested().WithIngress("requester", protocol, null, null)).Requester.IngressFromPeer.Single();

        (rule.Protocol, rule.FromPort, rule.ToPort).ShouldBe(("-1", -1, -1));
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsMinusOnePortsGivenAllTraffic()
    {
        ParseValid(Builders.PeeringRequested().WithIngress("requester", "all", -1, -1)).Requester.IngressFromPeer.Single().Protocol.ShouldBe("-1");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsPortsGivenAllTrafficWithPorts()
    {
        Messages(Builders.PeeringRequested().WithIngress("requester", "-1", 0, 65535)).ShouldBe(
        [
            "requester.ingressFromPeer[0].fromPort: must be omitted or -1 for all traffic (protocol -1 opens every port), got 0",
            "requester.ingressFromPeer[0].toPort: must be omitted or -1 for all traffic (protocol -1 opens every port), got 65535",
        ]);
    }

    [Theory]
    [InlineData("icmp", 8, 0)]
    [InlineData("icmp", -1, -1)]
    [InlineData("icmp", 3, -1)]
    [InlineData("icmpv6", 128, 0)]
    [InlineData("icmpv6", 255, 255)]
    public void RequestParserParsePeeringRequested_AcceptsTypeAndCodeGivenIcmp(string protocol, int type, int code)
    {
        var rule = ParseValid(Builders.PeeringRequested().WithIngress("accepter", protocol, type, code)).Accepter.IngressFromPeer.Single();

        (rule.Protocol, rule.FromPort, rule.ToPort).ShouldBe((protocol, type, code));
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsTypeAndCodeGivenIcmpOutOfRange()
    {
        Messages(Builders.PeeringRequested().WithIngress("accepter", "icmp", 256, -2)).ShouldBe(
        [
            "accepter.ingressFromPeer[0].fromPort: must be an ICMP type: -1 for all, or 0-255, got 256",
            "accepter.ingressFromPeer[0].toPort: must be an ICMP code: -1 for all, or 0-255, got -2",
        ]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsCodeGivenAllIcmpTypes()
    {
        Messages(Builders.PeeringRequested().WithIngress("accepter", "icmp", -1, 0))
            .ShouldBe(["accepter.ingressFromPeer[0].toPort: must be -1 (all codes) when fromPort, the ICMP type, is -1 (all types), got 0"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RequiresTypeAndCodeGivenIcmpWithoutThem()
    {
        Messages(Builders.PeeringRequested().WithIngress("accepter", "icmp", null, null)).ShouldBe(
        [
            "accepter.ingressFromPeer[0].fromPort: is required for protocol 'icmp': the ICMP type (-1 for all, or 0-255)",
            "accepter.ingressFromPeer[0].toPort: is required for protocol 'icmp': the ICMP code (-1 for all, or 0-255)",
        ]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SuggestsLowercaseGivenUppercaseProtocol()
    {
        Messages(Builders.PeeringRequested().WithIngress("requester", "TCP", 443, 443))
            .ShouldBe(["requester.ingressFromPeer[0].protocol: must be lowercase: use 'tcp', got 'TCP'"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_ListsProtocolsGivenUnknownProtocol()
    {
        Messages(Builders.PeeringRequested().WithIngress("requester", "6", 443, 443))
            .ShouldBe(["requester.ingressFromPeer[0].protocol: must be one of tcp, udp, icmp, icmpv6, or -1 / all for all traffic, got '6'"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsProtocolGivenNumberMinusOne()
    {
        Messages(Builders.PeeringRequested().With("requester.ingressFromPeer[0].protocol", -1))
            .ShouldBe(["requester.ingressFromPeer[0].protocol: must be a string, got number -1"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRuleGivenItRepeatsAnEarlierOne()
    {
        var rule = new JsonObject { ["securityGroupId"] = PeeringRequestedEventBuilder.RequesterGroup, ["protocol"] = "all" };
        var same = new JsonObject { ["securityGroupId"] = PeeringRequestedEventBuilder.RequesterGroup, ["protocol"] = "-1", ["fromPort"] = -1 };

        Messages(Builders.PeeringRequested().With("requester.ingressFromPeer", new JsonArray(rule, same)))
            .ShouldBe(["requester.ingressFromPeer[1]: duplicates requester.ingressFromPeer[0] (same securityGroupId, protocol and ports)"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRuleGivenAString()
    {
        Messages(Builders.PeeringRequested().With("requester.ingressFromPeer", new JsonArray("tcp/443")))
            .ShouldBe(["requester.ingressFromPeer[0]: must be an object, got string 'tcp/443'"]);
    }

    // ---- unknown fields -------------------------------------------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsUnknownFieldGivenTypo()
    {
        var builder = Builders.PeeringRequested();
        builder.Detail["requester"]!.AsObject().Remove("ingressFromPeer");
        builder.With("requester.ingresFromPeer", new JsonArray());

        Messages(builder).ShouldBe(["requester.ingresFromPeer: is not a known field; did you mean 'ingressFromPeer'?"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SaysNamesAreCaseSensitiveGivenWrongCase()
    {
        Messages(Builders.PeeringRequested().Without("requestId").With("RequestId", "chg-1"))
            .ShouldBe(["RequestId: is not a known field: field names are case-sensitive; did you mean 'requestId'?"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SuggestsCamelCaseGivenSnakeCase()
    {
        Messages(Builders.PeeringRequested().Without("accepter.routeTableIds").With("accepter.route_table_ids", new JsonArray()))
            .ShouldBe(["accepter.route_table_ids: is not a known field: field names are camelCase; did you mean 'routeTableIds'?"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_ListsKnownFieldsGivenUnrelatedName()
    {
        Messages(Builders.PeeringRequested().With("requester.ingressFromPeer[0].sourceCidr", "0.0.0.0/0"))
            .ShouldBe(["requester.ingressFromPeer[0].sourceCidr: is not a known field (expected securityGroupId, protocol, fromPort, toPort)"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_QuotesNameGivenUnknownFieldWithSpaces()
    {
        Messages(Builders.PeeringRequested().With("cost center", "1234")).ShouldHaveSingleItem().ShouldStartWith("[\"cost center\"]: is not a known field");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_EscapesNameGivenUnknownFieldWithQuote()
    {
        Messages(Builders.PeeringRequested().With("requester.a\"b", 1))
            .ShouldHaveSingleItem().ShouldStartWith("requester[\"a\\u0022b\"]: is not a known field");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsFieldGivenTwiceInTheJson()
    {
        // Parsers disagree on which copy wins, so a reviewer and the automation could read different values.
        var json = Builders.PeeringRequested().Build().Replace("\"requestId\":\"chg-2041\"", "\"requestId\":\"chg-2041\",\"requestId\":\"chg-9999\"", StringComparison.Ordinal);

        Parser.ParsePeeringRequested(json).Reasons.Select(r => r.Message)
            .ShouldBe(["requestId: is given more than once; give each field once"]);
    }

    // ---- destinationCidrs ---------------------------------------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_ReturnsCanonicalBlocksGivenDestinationCidrs()
    {
        var request = ParseValid(Builders.PeeringRequested().WithDestinationCidrs("10.1.0.0/16", "10.2.128.0/17", "2001:DB8:1234:5600::/56"));

        request.DestinationCidrs.ShouldNotBeNull().Select(c => c.ToString()).ShouldBe(["10.1.0.0/16", "10.2.128.0/17", "2001:db8:1234:5600::/56"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SuggestsCanonicalFormGivenHostBits()
    {
        Messages(Builders.PeeringRequested().WithDestinationCidrs("10.1.2.3/16"))
            .ShouldBe(["destinationCidrs[0]: '10.1.2.3/16' is not a CIDR block: host bits are set (did you mean 10.1.0.0/16?)"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_FindsDuplicateGivenDifferentSpellingsOfOneBlock()
    {
        Messages(Builders.PeeringRequested().WithDestinationCidrs("2001:db8:1234:5600::/56", "2001:DB8:1234:5600:0:0:0:0/56"))
            .ShouldBe(["destinationCidrs[1]: 2001:db8:1234:5600::/56 duplicates destinationCidrs[0]; list each block once"]);
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    public void RequestParserParsePeeringRequested_RejectsAsTransitiveGivenDefaultRoute(string cidr)
    {
        var reason = Parse(Builders.PeeringRequested().WithDestinationCidrs(cidr)).Reasons.ShouldHaveSingleItem();

        reason.Code.ShouldBe(ReasonCodes.TransitiveRouting);
        reason.Message.ShouldStartWith($"destinationCidrs[0]: {cidr} is a default route: VPC peering is not transitive");
    }

    [Theory]
    [InlineData("10.0.0.0/15")]
    [InlineData("192.168.0.0/8", false)]
    [InlineData("2001:db8::/32")]
    public void RequestParserParsePeeringRequested_RejectsAsTransitiveGivenBlockWiderThanAnyVpc(string cidr, bool canonical = true)
    {
        var reason = Parse(Builders.PeeringRequested().WithDestinationCidrs(cidr)).Reasons.ShouldHaveSingleItem();

        // A wide block with host bits set is first of all not a valid block; say that instead.
        reason.Code.ShouldBe(canonical ? ReasonCodes.TransitiveRouting : ReasonCodes.InvalidRequest);
    }

    [Theory]
    [InlineData("10.0.0.0/16")]
    [InlineData("10.0.0.0/28")]
    [InlineData("10.0.0.1/32")]
    [InlineData("2600:1f18::/44")]
    [InlineData("2600:1f18:0:1::/64")]
    public void RequestParserParsePeeringRequested_AcceptsDestinationGivenBlockAVpcCouldHold(string cidr)
    {
        ParseValid(Builders.PeeringRequested().WithDestinationCidrs(cidr)).DestinationCidrs.ShouldNotBeNull().ShouldHaveSingleItem();
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SaysToOmitGivenEmptyDestinationCidrs()
    {
        Messages(Builders.PeeringRequested().WithDestinationCidrs()).ShouldBe(
            ["destinationCidrs: must not be empty: omit destinationCidrs (or set it to null) to route to every CIDR block of the peer VPC"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsDestinationCidrsGivenAString()
    {
        Messages(Builders.PeeringRequested().With("destinationCidrs", "10.1.0.0/16"))
            .ShouldBe(["destinationCidrs: must be an array, got string '10.1.0.0/16'"]);
    }

    // ---- allowDnsResolution, expiresAt, tags, requestedBy ---------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_ReadsFlagGivenAllowDnsResolutionTrue()
    {
        ParseValid(Builders.PeeringRequested().With("allowDnsResolution", true)).AllowDnsResolution.ShouldBeTrue();
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsFlagGivenString()
    {
        Messages(Builders.PeeringRequested().With("allowDnsResolution", "true"))
            .ShouldBe(["allowDnsResolution: must be true or false, got string 'true'"]);
    }

    [Theory]
    [InlineData("2026-11-27T12:00:01Z")]
    [InlineData("2027-11-28T12:00:00Z")]
    [InlineData("2026-12-24T00:00:00.1234567Z")]
    [InlineData("2026-12-24T00:00:00+00:00")]
    public void RequestParserParsePeeringRequested_AcceptsExpiryGivenUtcTimestampWithinAYear(string expiresAt)
    {
        var request = ParseValid(Builders.PeeringRequested().WithExpiresAt(expiresAt));

        request.ExpiresAt.ShouldNotBeNull().Offset.ShouldBe(TimeSpan.Zero);
        request.ExpiresAt.Value.ShouldBe(DateTimeOffset.Parse(expiresAt, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SaysWhatNowIsGivenExpiryInThePast()
    {
        Messages(Builders.PeeringRequested().WithExpiresAt("2026-11-27T12:00:00Z"))
            .ShouldBe(["expiresAt: must be in the future (now is 2026-11-27T12:00:00Z), got 2026-11-27T12:00:00Z"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_SaysTheLimitGivenExpiryTooFarAhead()
    {
        Messages(Builders.PeeringRequested().WithExpiresAt("2027-11-28T12:00:01Z"))
            .ShouldBe(["expiresAt: must be at most 366 days ahead (no later than 2027-11-28T12:00:00Z), got 2027-11-28T12:00:01Z"]);
    }

    [Theory]
    [InlineData("2026-12-24")]
    [InlineData("12/24/2026")]
    [InlineData("2026-12-24 00:00:00Z")]
    [InlineData("2026-12-24T00:00:00")]
    [InlineData("2026-12-24T00:00:00+01:00")]
    [InlineData("2026-13-24T00:00:00Z")]
    [InlineData("2026-02-30T00:00:00Z")]
    [InlineData("1798761600")]
    public void RequestParserParsePeeringRequested_RejectsExpiryGivenNotAnRfc3339UtcTimestamp(string expiresAt)
    {
        Messages(Builders.PeeringRequested().WithExpiresAt(expiresAt))
            .ShouldBe([$"expiresAt: must be an RFC 3339 UTC timestamp such as 2026-12-24T00:00:00Z, got '{expiresAt}'"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_JudgesExpiryAgainstInjectedClockGivenOtherNow()
    {
        var parser = new RequestParser(new FixedClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)));

        parser.ParsePeeringRequested(Builders.PeeringRequested().Build()).Reasons.ShouldHaveSingleItem().Message.ShouldStartWith("expiresAt: must be in the future");
    }

    [Theory]
    [InlineData("aws:createdBy")]
    [InlineData("AWS:createdBy")]
    [InlineData("peering-automation:request-id")]
    [InlineData("Peering-Automation:managed")]
    public void RequestParserParsePeeringRequested_RejectsTagGivenReservedPrefix(string key)
    {
        Messages(Builders.PeeringRequested().WithTag(key, "x")).ShouldHaveSingleItem().ShouldStartWith($"tags[\"{key}\"]: tag keys starting with");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsTagsGivenLimitsExactly()
    {
        var builder = Builders.PeeringRequested().With("tags", new JsonObject());
        builder.WithTag(new string('k', 128), new string('v', 256));
        builder.WithTag("Empty", "");
        for (var i = 0; i < RequestParser.MaxUserTags - 2; i++)
        {
            builder.WithTag($"Tag{i}", "x");
        }

        ParseValid(builder).Tags.Count.ShouldBe(RequestParser.MaxUserTags);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsTagsGivenMoreThanForty()
    {
        var builder = Builders.PeeringRequested().With("tags", new JsonObject());
        for (var i = 0; i <= RequestParser.MaxUserTags; i++)
        {
            builder.WithTag($"Tag{i}", "x");
        }

        Messages(builder).ShouldHaveSingleItem().ShouldStartWith("tags: must have at most 40 tags");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsTagGivenKeyOrValueTooLong()
    {
        var key = new string('k', 129);
        var messages = Messages(Builders.PeeringRequested().WithTag(key, "x").WithTag("Long", new string('v', 257)));

        messages.Length.ShouldBe(2);
        messages[0].ShouldEndWith("a tag key must be 1-128 characters, got 129");
        messages[1].ShouldBe("tags.Long: a tag value must be at most 256 characters, got 257");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_CountsCharactersNotUtf16UnitsGivenEmojiTagValue()
    {
        // 256 emoji are 512 UTF-16 units but 256 characters, which is what AWS counts.
        ParseValid(Builders.PeeringRequested().WithTag("Team", string.Concat(Enumerable.Repeat("🐙", 256))));
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsTagGivenEmptyKey()
    {
        Messages(Builders.PeeringRequested().WithTag("", "x")).ShouldBe(["tags[\"\"]: a tag key must be 1-128 characters, got 0"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_AcceptsRequestedByGivenTwoHundredFiftySixCharacters()
    {
        ParseValid(Builders.PeeringRequested().With("requestedBy", new string('x', 256))).RequestedBy!.Length.ShouldBe(256);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsRequestedByGivenObject()
    {
        Messages(Builders.PeeringRequested().With("requestedBy", new JsonObject { ["name"] = "alice" }))
            .ShouldBe(["requestedBy: must be a string, got an object"]);
    }

    // ---- envelope and robustness ----------------------------------------------------------

    [Fact]
    public void RequestParserParsePeeringRequested_ReportsEnvelopeAndDetailProblemsTogetherGivenBoth()
    {
        var messages = Messages(Builders.PeeringRequested()
            .WithEnvelope("source", "aws.ec2")
            .WithoutEnvelope("detail-type")
            .With("requester.accountId", "1"));

        messages.ShouldBe(
        [
            "source: must be 'vpc-peering', got string 'aws.ec2'",
            "detail-type: is required (expected 'Peering Requested')",
            "requester.accountId: '1' is not an AWS account id (exactly 12 digits)",
        ]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_CollectsEveryProblemGivenManyMistakes()
    {
        var messages = Messages(Builders.PeeringRequested()
            .WithRequestId("bad id")
            .With("requester.region", "mars-1")
            .With("requester.ingressFromPeer[0].fromPort", 70000)
            .With("requester.ingressFromPeer[0].protocol", "tcpp")
            .With("accepter.vpcId", "vpc-1")
            .WithDestinationCidrs("10.1.0.0/16", "::/0", "10.1.0.0/16")
            .WithExpiresAt("yesterday")
            .WithTag("aws:x", "y")
            .With("extra", 1));

        messages.Select(m => m[..m.IndexOf(':', StringComparison.Ordinal)]).ShouldBe(
        [
            "extra",
            "requestId",
            "requester.region",
            "requester.ingressFromPeer[0].protocol",
            "requester.ingressFromPeer[0].fromPort",
            "accepter.vpcId",
            "destinationCidrs[1]",
            "destinationCidrs[2]",
            "expiresAt",
            "tags[\"aws",
        ]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_StopsListingAtFiftyGivenLongListOfBadIds()
    {
        var builder = Builders.PeeringRequested().With("requester.routeTableIds", new JsonArray([.. Enumerable.Range(0, 150).Select(i => (JsonNode)$"bad-{i}")]));

        var reasons = Parse(builder).Reasons;

        reasons.Count.ShouldBe(ReasonLimits.MaxReasons);
        reasons[^1].Message.ShouldBe("101 more problem(s) not listed; fix the ones above first");
    }

    [Theory]
    [InlineData("requester.routeTableIds", RequestParser.MaxRouteTableIds)]
    [InlineData("accepter.ingressFromPeer", RequestParser.MaxIngressRules)]
    [InlineData("destinationCidrs", RequestParser.MaxDestinationCidrs)]
    public void RequestParserParsePeeringRequested_RejectsWithPathAndCapGivenArrayOneOverTheCap(string path, int cap)
    {
        var builder = Builders.PeeringRequested().With(path, new JsonArray([.. Enumerable.Range(0, cap + 1).Select(i => (JsonNode)$"item-{i}")]));

        Messages(builder).ShouldBe([$"{path}: must have at most {cap} items, got {cap + 1}"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsOnceGivenHugeArray()
    {
        var builder = Builders.PeeringRequested().With("requester.routeTableIds", new JsonArray([.. Enumerable.Range(0, 20_000).Select(i => (JsonNode)$"bad-{i}")]));

        Messages(builder).ShouldBe(["requester.routeTableIds: must have at most 200 items, got 20000"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("{\"detail\": {}} trailing")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("null")]
    public void RequestParserParsePeeringRequested_RefusesWithoutThrowingGivenNotAnEvent(string json)
    {
        var result = Parser.ParsePeeringRequested(json);

        result.IsValid.ShouldBeFalse();
        result.Reasons.ShouldNotBeEmpty();
        result.Reasons.ShouldAllBe(r => r.Code == ReasonCodes.InvalidRequest && r.Message.StartsWith("event: "));
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RefusesWithoutThrowingGivenDefaultJsonElement()
    {
        Parser.ParsePeeringRequested(default(JsonElement)).Reasons.ShouldHaveSingleItem().Message.ShouldStartWith("event: ");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RefusesGivenNestingDeeperThanAnyValidEvent()
    {
        var deep = string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200));

        Parser.ParsePeeringRequested(deep).Reasons.ShouldHaveSingleItem().Message.ShouldBe("event: is nested deeper than 32 levels; a Peering Requested event needs at most 5");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RefusesAsInvalidRequestGivenDetailNestedTwoHundredThousandDeep()
    {
        var deep = string.Concat(Enumerable.Repeat("[", 200_000)) + string.Concat(Enumerable.Repeat("]", 200_000));
        using var document = EventJson.Parse("""{"source":"vpc-peering","detail-type":"Peering Requested","detail":{"tags":""" + deep + "}}");

        var reason = Parser.ParsePeeringRequested(document.RootElement).Reasons.ShouldHaveSingleItem();

        reason.Code.ShouldBe(ReasonCodes.InvalidRequest);
        reason.Message.ShouldStartWith("event: is nested deeper than 32 levels");
    }

    [Fact]
    public void ReasonLimitsApply_KeepsFiftyAndCutsLongMessagesGivenThousandsOfReasons()
    {
        var reasons = Enumerable.Range(0, 3000).Select(i => new Reason(ReasonCodes.RouteConflict, new string('x', 5000))).ToList();

        var capped = ReasonLimits.Apply(reasons);

        capped.Count.ShouldBe(ReasonLimits.MaxReasons);
        capped.Take(49).ShouldAllBe(r => r.Code == ReasonCodes.RouteConflict && r.Message.Length == ReasonLimits.MaxMessageLength);
        capped[^1].Message.ShouldBe("2951 more problem(s) not listed; fix the ones above first");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_TruncatesEchoGivenHugeValue()
    {
        var message = Messages(Builders.PeeringRequested().With("requester.vpcId", new string('v', 100_000))).ShouldHaveSingleItem();

        message.Length.ShouldBeLessThan(200);
        message.ShouldContain("…");
    }

    [Fact]
    public void RequestParserParsePeeringRequested_EscapesControlCharactersGivenValueWithNewline()
    {
        Messages(Builders.PeeringRequested().With("requester.accountId", "111111111111\n"))
            .ShouldBe(["requester.accountId: '111111111111\\u000a' is not an AWS account id (exactly 12 digits)"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsDetailGivenMissing()
    {
        Messages(Builders.PeeringRequested().WithoutEnvelope("detail"))
            .ShouldBe(["detail: is required (the request itself, a JSON object)"]);
    }

    [Fact]
    public void RequestParserParsePeeringRequested_RejectsDetailGivenJsonEncodedAsString()
    {
        // PutEvents takes Detail as a string, but EventBridge delivers it as an object; a string
        // here means the sender encoded it twice.
        Messages(Builders.PeeringRequested().WithEnvelope("detail", "{}"))
            .ShouldBe(["detail: must be an object, got string '{}'"]);
    }
}
