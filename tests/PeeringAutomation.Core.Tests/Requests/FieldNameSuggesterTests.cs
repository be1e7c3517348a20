namespace PeeringAutomation.Core.Tests.Requests;

public sealed class FieldNameSuggesterTests
{
    private static readonly string[] SideFields = ["accountId", "region", "vpcId", "routeTableIds", "ingressFromPeer"];
    private static readonly string[] RuleFields = ["securityGroupId", "protocol", "fromPort", "toPort"];

    [Theory]
    [InlineData("ingresFromPeer", "ingressFromPeer")]
    [InlineData("ingressFromPear", "ingressFromPeer")]
    [InlineData("vpcID", "vpcId")]
    [InlineData("vpc_id", "vpcId")]
    [InlineData("account-id", "accountId")]
    [InlineData("regoin", "region")]
    [InlineData("regions", "region")]
    [InlineData("routeTables", "routeTableIds")]
    public void FieldNameSuggesterClosest_SuggestsKnownFieldGivenNearMiss(string unknown, string expected) =>
        FieldNameSuggester.Closest(unknown, SideFields).ShouldBe(expected);

    [Theory]
    [InlineData("securityGroup", "securityGroupId")]
    [InlineData("fromport", "fromPort")]
    [InlineData("to_port", "toPort")]
    [InlineData("protocl", "protocol")]
    public void FieldNameSuggesterClosest_SuggestsRuleFieldGivenNearMiss(string unknown, string expected) =>
        FieldNameSuggester.Closest(unknown, RuleFields).ShouldBe(expected);

    [Theory]
    [InlineData("cidr")]
    [InlineData("sourceCidr")]
    [InlineData("x")]
    [InlineData("")]
    public void FieldNameSuggesterClosest_SuggestsNothingGivenUnrelatedName(string unknown) =>
        FieldNameSuggester.Closest(unknown, RuleFields).ShouldBeNull();
}
