namespace PeeringAutomation.Core.Tests.Model;

public sealed class IdentifierTests
{
    private static bool Valid<T>(string? text) where T : struct, IIdentifier<T> => Identifier.TryParse<T>(text, out _, out _);

    [Theory]
    [InlineData("123456789012", true)]
    [InlineData("000000000000", true)]
    [InlineData("12345678901", false)]
    [InlineData("1234567890123", false)]
    [InlineData("12345678901a", false)]
    [InlineData("1234-5678-9012", false)]
    [InlineData(" 123456789012", false)]
    [InlineData("123456789012\n", false)]
    [InlineData("１２３４５６７８９０１２", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IdentifierTryParse_JudgesFormatGivenAccountId(string? text, bool valid) => Valid<AccountId>(text).ShouldBe(valid);

    [Theory]
    [InlineData("us-east-1", true)]
    [InlineData("eu-central-2", true)]
    [InlineData("ap-southeast-5", true)]
    [InlineData("us-gov-west-1", true)]
    [InlineData("cn-northwest-1", true)]
    [InlineData("us-isob-east-1", true)]
    [InlineData("US-EAST-1", false)]
    [InlineData("us-east", false)]
    [InlineData("useast1", false)]
    [InlineData("us-east-1a", false)]
    [InlineData("us-east-1\n", false)]
    public void IdentifierTryParse_JudgesFormatGivenRegion(string text, bool valid) => Valid<AwsRegion>(text).ShouldBe(valid);

    [Theory]
    [InlineData("chg-2041", true)]
    [InlineData("6a7e8feb-b491-4cf7-a9f1-bf3703467718", true)]
    [InlineData("a.b_c-D", true)]
    [InlineData("", false)]
    [InlineData("chg 2041", false)]
    [InlineData("chg/2041", false)]
    [InlineData("chg-2041\n", false)]
    public void IdentifierTryParse_JudgesFormatGivenRequestId(string text, bool valid) => Valid<RequestId>(text).ShouldBe(valid);

    [Fact]
    public void IdentifierTryParse_AcceptsUpToSixtyFourCharactersGivenRequestId()
    {
        Valid<RequestId>(new string('a', 64)).ShouldBeTrue();
        Valid<RequestId>(new string('a', 65)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("vpc-0a1b2c3d", true)]
    [InlineData("vpc-0a1b2c3d4e5f60718", true)]
    [InlineData("vpc-0A1B2C3D", false)]
    [InlineData("vpc-0a1b2c3", false)]
    [InlineData("vpc-0a1b2c3d4", false)]
    [InlineData("vpc-0a1b2c3d4e5f6071", false)]
    [InlineData("vpc-0a1b2c3g", false)]
    [InlineData("subnet-0a1b2c3d", false)]
    [InlineData("vpc-0a1b2c3d\n", false)]
    public void IdentifierTryParse_JudgesFormatGivenVpcId(string text, bool valid) => Valid<VpcId>(text).ShouldBe(valid);

    [Theory]
    [InlineData("pcx-0123456789abcdef0", true)]
    [InlineData("pcx-12345678", true)]
    [InlineData("vpc-12345678", false)]
    public void IdentifierTryParse_JudgesFormatGivenPeeringConnectionId(string text, bool valid) => Valid<PeeringConnectionId>(text).ShouldBe(valid);

    [Theory]
    [InlineData("rtb-0123456789abcdef0", true)]
    [InlineData("rtb-12345678", true)]
    [InlineData("rtb-123", false)]
    [InlineData("rt-12345678", false)]
    public void IdentifierTryParse_JudgesFormatGivenRouteTableId(string text, bool valid) => Valid<RouteTableId>(text).ShouldBe(valid);

    [Theory]
    [InlineData("sg-0123456789abcdef0", true)]
    [InlineData("sg-12345678", true)]
    [InlineData("sg-123", false)]
    [InlineData("111111111111/sg-12345678", false)]
    public void IdentifierTryParse_JudgesFormatGivenSecurityGroupId(string text, bool valid) => Valid<SecurityGroupId>(text).ShouldBe(valid);

    [Fact]
    public void IdentifierTryParse_SaysWhatIsExpectedGivenBadValue()
    {
        Identifier.TryParse<AccountId>("abc", out var id, out var error).ShouldBeFalse();

        id.ShouldBeNull();
        error.ShouldBe("'abc' is not an AWS account id (exactly 12 digits)");
    }

    [Fact]
    public void IdentifierParse_ThrowsFormatExceptionGivenBadValue()
    {
        Should.Throw<FormatException>(() => VpcId.Parse("vpc-nope")).Message.ShouldContain("is not a VPC id");
    }

    [Fact]
    public void IdentifierParse_KeepsTextAsValueGivenValidId()
    {
        var vpc = VpcId.Parse("vpc-0a1b2c3d4e5f60718");

        vpc.Value.ShouldBe("vpc-0a1b2c3d4e5f60718");
        vpc.ToString().ShouldBe("vpc-0a1b2c3d4e5f60718");
        vpc.ShouldBe(VpcId.Parse("vpc-0a1b2c3d4e5f60718"));
    }
}
