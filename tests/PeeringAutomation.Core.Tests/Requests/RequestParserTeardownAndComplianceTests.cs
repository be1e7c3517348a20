using System.Text.Json.Nodes;

namespace PeeringAutomation.Core.Tests.Requests;

public sealed class RequestParserParseTeardownRequestedTests
{
    private const string PeeringId = "pcx-0123456789abcdef0";

    private static RequestParseResult<TeardownRequest> Parse(JsonObject detail) =>
        Builders.Parser().ParseTeardownRequested(Builders.TeardownRequested(detail).Build());

    private static JsonObject ByPeering() => new()
    {
        ["vpcPeeringConnectionId"] = PeeringId,
        ["accountId"] = "111111111111",
        ["region"] = "us-east-1",
    };

    [Fact]
    public void RequestParserParseTeardownRequested_ReturnsRequestIdGivenRequestIdAlone()
    {
        var result = Parse(new JsonObject { ["requestId"] = "chg-2041" });

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.ShouldBe(new TeardownRequest { RequestId = RequestId.Parse("chg-2041") });
    }

    [Fact]
    public void RequestParserParseTeardownRequested_ReturnsPeeringAndScopeGivenPeeringForm()
    {
        var result = Parse(ByPeering());

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.ShouldBe(new TeardownRequest
        {
            VpcPeeringConnectionId = PeeringConnectionId.Parse(PeeringId),
            AccountId = AccountId.Parse("111111111111"),
            Region = AwsRegion.Parse("us-east-1"),
        });
    }

    [Fact]
    public void RequestParserParseTeardownRequested_DoesNotDefaultToEventIdGivenEmptyDetail()
    {
        // The event id names no peering; defaulting to it would turn a mistake into a no-op.
        Parse([]).Reasons.Select(r => r.Message).ShouldBe(
            ["detail: says which peering to tear down: give requestId, or vpcPeeringConnectionId with the requester's accountId and region"]);
    }

    [Fact]
    public void RequestParserParseTeardownRequested_RejectsGivenBothForms()
    {
        var detail = ByPeering();
        detail["requestId"] = "chg-2041";

        Parse(detail).Reasons.Select(r => r.Message).ShouldBe(
            ["detail: give either requestId, or vpcPeeringConnectionId with accountId and region, not both (got requestId and vpcPeeringConnectionId, accountId, region)"]);
    }

    [Fact]
    public void RequestParserParseTeardownRequested_NamesMissingRegionGivenPeeringAndAccountOnly()
    {
        var detail = ByPeering();
        detail.Remove("region");

        Parse(detail).Reasons.Select(r => r.Message).ShouldBe(["region: is required with vpcPeeringConnectionId: the requester's region"]);
    }

    [Fact]
    public void RequestParserParseTeardownRequested_NamesPeeringAndRegionGivenAccountOnly()
    {
        Parse(new JsonObject { ["accountId"] = "111111111111" }).Reasons.Select(r => r.Message).ShouldBe(
        [
            "vpcPeeringConnectionId: is required with accountId (or give requestId alone instead)",
            "region: is required with vpcPeeringConnectionId: the requester's region",
        ]);
    }

    [Fact]
    public void RequestParserParseTeardownRequested_RejectsGivenBadPeeringId()
    {
        var detail = ByPeering();
        detail["vpcPeeringConnectionId"] = "pcx-1";

        Parse(detail).Reasons.Select(r => r.Message).ShouldBe(
            ["vpcPeeringConnectionId: 'pcx-1' is not a VPC peering connection id (pcx- and 8 or 17 lowercase hex digits)"]);
    }

    [Fact]
    public void RequestParserParseTeardownRequested_RejectsGivenBadRequestId()
    {
        Parse(new JsonObject { ["requestId"] = "chg 2041" }).Reasons.Select(r => r.Message).ShouldBe(
            ["requestId: 'chg 2041' is not a request id (1-64 characters of A-Z a-z 0-9 . _ -)"]);
    }

    [Fact]
    public void RequestParserParseTeardownRequested_RejectsUnknownFieldGivenTypo()
    {
        var detail = ByPeering();
        detail.Remove("vpcPeeringConnectionId");
        detail["peeringConnectionId"] = PeeringId;

        Parse(detail).Reasons.Select(r => r.Message).ShouldContain(
            "peeringConnectionId: is not a known field; did you mean 'vpcPeeringConnectionId'?");
    }

    [Fact]
    public void RequestParserParseTeardownRequested_RejectsGivenPeeringRequestedDetailType()
    {
        var json = Builders.TeardownRequested(new JsonObject { ["requestId"] = "chg-2041" })
            .WithEnvelope("detail-type", "Peering Requested").Build();

        Builders.Parser().ParseTeardownRequested(json).Reasons.Select(r => r.Message)
            .ShouldBe(["detail-type: must be 'Peering Teardown Requested', got string 'Peering Requested'"]);
    }
}

public sealed class RequestParserParseComplianceCheckRequestedTests
{
    private static RequestParseResult<ComplianceCheckRequest> Parse(JsonObject detail) =>
        Builders.Parser().ParseComplianceCheckRequested(Builders.ComplianceCheckRequested(detail).Build());

    [Fact]
    public void RequestParserParseComplianceCheckRequested_MeansEverythingGivenEmptyDetail()
    {
        var result = Parse([]);

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.AccountIds.ShouldBeEmpty();
        result.Value.Regions.ShouldBeEmpty();
    }

    [Fact]
    public void RequestParserParseComplianceCheckRequested_MeansEverythingGivenEmptyAndNullLists()
    {
        var result = Parse(new JsonObject { ["accountIds"] = new JsonArray(), ["regions"] = null });

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.AccountIds.ShouldBeEmpty();
        result.Value.Regions.ShouldBeEmpty();
    }

    [Fact]
    public void RequestParserParseComplianceCheckRequested_ReturnsListsGivenValidValues()
    {
        var result = Parse(new JsonObject
        {
            ["accountIds"] = new JsonArray("111111111111", "222222222222"),
            ["regions"] = new JsonArray("eu-west-1"),
        });

        result.IsValid.ShouldBeTrue(result.ToString());
        result.Value.AccountIds.Select(a => a.Value).ShouldBe(["111111111111", "222222222222"]);
        result.Value.Regions.Select(r => r.Value).ShouldBe(["eu-west-1"]);
    }

    [Fact]
    public void RequestParserParseComplianceCheckRequested_NamesEachBadItemGivenInvalidAndDuplicateValues()
    {
        var result = Parse(new JsonObject
        {
            ["accountIds"] = new JsonArray("111111111111", "abc", "111111111111"),
            ["regions"] = new JsonArray("Europe"),
        });

        result.Reasons.Select(r => r.Message).ShouldBe(
        [
            "accountIds[1]: 'abc' is not an AWS account id (exactly 12 digits)",
            "accountIds[2]: '111111111111' duplicates accountIds[0]; list each once",
            "regions[0]: 'Europe' is not an AWS region code (e.g. us-east-1)",
        ]);
    }

    [Fact]
    public void RequestParserParseComplianceCheckRequested_RejectsGivenStringInsteadOfArray()
    {
        Parse(new JsonObject { ["regions"] = "eu-west-1" }).Reasons.Select(r => r.Message)
            .ShouldBe(["regions: must be an array, got string 'eu-west-1'"]);
    }

    [Fact]
    public void RequestParserParseComplianceCheckRequested_SuggestsPluralGivenSingularFieldName()
    {
        Parse(new JsonObject { ["accountId"] = new JsonArray("111111111111") }).Reasons.Select(r => r.Message)
            .ShouldBe(["accountId: is not a known field; did you mean 'accountIds'?"]);
    }

    [Fact]
    public void RequestParserParseComplianceCheckRequested_RejectsGivenWrongSource()
    {
        var json = Builders.ComplianceCheckRequested([]).WithEnvelope("source", "aws.events").Build();

        Builders.Parser().ParseComplianceCheckRequested(json).Reasons.Select(r => r.Message)
            .ShouldBe(["source: must be 'vpc-peering', got string 'aws.events'"]);
    }
}

public sealed class RequestParseResultTests
{
    [Fact]
    public void RequestParseResultFailure_ThrowsGivenNoReasons()
    {
        // A refusal without a reason would reach the requester as an unexplained rejection.
        Should.Throw<ArgumentException>(() => RequestParseResult<TeardownRequest>.Failure([]));
    }

    [Fact]
    public void RequestParseResultToString_ListsReasonsGivenFailure()
    {
        var result = RequestParseResult<TeardownRequest>.Failure([new Reason("InvalidRequest", "a: b"), new Reason("TransitiveRouting", "c: d")]);

        result.IsValid.ShouldBeFalse();
        result.ToString().ShouldBe("invalid: InvalidRequest: a: b; TransitiveRouting: c: d");
    }
}
