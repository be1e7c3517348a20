using YamlDotNet.RepresentationModel;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// The least-privilege statements of template.yaml and deploy/member-role.yaml, asserted so that a later
/// change cannot widen them silently (README "Who may ask").
/// </summary>
public sealed class TemplateSecurityTests
{
    private readonly TemplateModel template = new();

    private YamlMappingNode MemberRole => (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)TemplateModel
        .Load(Path.Combine(template.RepositoryRoot, "deploy/member-role.yaml"))["Resources"])["MemberRole"])["Properties"];

    private static string Text(YamlNode node) => node switch
    {
        YamlScalarNode scalar => (scalar.Tag.IsEmpty ? "" : scalar.Tag.Value + " ") + scalar.Value,
        YamlSequenceNode sequence => string.Join(" | ", sequence.Children.Select(Text)),
        YamlMappingNode mapping => string.Join(" ; ", mapping.Children.Select(c => $"{Text(c.Key)}: {Text(c.Value)}")),
        _ => "",
    };

    private static string? Field(YamlMappingNode statement, string key) =>
        statement.Children.TryGetValue(new YamlScalarNode(key), out var value) ? Text(value) : null;

    private static IEnumerable<YamlMappingNode> StatementsWithAction(YamlNode node, string action) =>
        TemplateModel.Statements(node).Where(s => Field(s, "Action")?.Split(" | ").Contains(action) == true);

    [Fact]
    public void TemplateFunctions_AssumeOnlyTheMemberRoleOfManagedAccounts()
    {
        var assuming = template.Resources("AWS::Serverless::Function").SelectMany(f => StatementsWithAction(f.Properties, "sts:AssumeRole")).ToList();

        assuming.ShouldNotBeEmpty();
        assuming.ShouldAllBe(s => Field(s, "Resource") == "!Sub arn:${AWS::Partition}:iam::*:role/${MemberRoleName}");
        assuming.ShouldAllBe(s => Field(s, "Condition") == "StringEquals: aws:ResourceAccount: !Ref ManagedAccountIds");
        Field((YamlMappingNode)((YamlMappingNode)template.Root["Globals"])["Function"], "RolePath").ShouldBe("/peering-automation/");
    }

    [Fact]
    public void MemberRole_TrustsExactlyTheFunctionsThatAssumeItWithTheExternalId()
    {
        var assumers = template.Resources("AWS::Serverless::Function")
            .Where(f => StatementsWithAction(f.Properties, "sts:AssumeRole").Any()).Select(f => f.Name).ToHashSet();
        var trust = TemplateModel.Statements(MemberRole["AssumeRolePolicyDocument"]).ShouldHaveSingleItem();
        var condition = (YamlMappingNode)trust["Condition"];

        Text(((YamlMappingNode)condition["StringEquals"])["sts:ExternalId"]).ShouldBe("!Ref MemberRoleExternalId");
        var trusted = ((YamlSequenceNode)((YamlMappingNode)condition["ArnLike"])["aws:PrincipalArn"]).Children.Select(Text).ToList();
        trusted.ShouldAllBe(arn => arn.Contains(":role/peering-automation/${HubStackName}-"));
        trusted.Select(arn => arn[(arn.IndexOf("${HubStackName}-", StringComparison.Ordinal) + 16)..].Replace("Role-*", ""))
            .ShouldBe(assumers, ignoreOrder: true);
    }

    [Fact]
    public void MemberRole_DeletesAndChangesOnlyPeeringsTaggedManaged()
    {
        foreach (var action in new[] { "ec2:DeleteVpcPeeringConnection", "ec2:ModifyVpcPeeringConnectionOptions" })
        {
            var statement = StatementsWithAction(MemberRole, action).ShouldHaveSingleItem();
            Field(statement, "Resource").ShouldBe("!Sub arn:${AWS::Partition}:ec2:*:*:vpc-peering-connection/*");
            Field(statement, "Condition").ShouldBe("StringEquals: aws:ResourceTag/peering-automation:managed: true");
        }
    }

    [Fact]
    public void MemberRole_TagsOnlyPeeringConnectionsAndAcceptsOnlyIntoItsOwnVpcs()
    {
        var tagging = StatementsWithAction(MemberRole, "ec2:CreateTags").ToList();
        tagging.ShouldAllBe(s => Field(s, "Resource")!.EndsWith(":vpc-peering-connection/*"));
        tagging.ShouldContain(s => Field(s, "Condition") == "StringEquals: ec2:CreateAction: CreateVpcPeeringConnection");

        var accepting = StatementsWithAction(MemberRole, "ec2:AcceptVpcPeeringConnection").ShouldHaveSingleItem();
        Field(accepting, "Condition").ShouldBe("ArnLike: ec2:AccepterVpc: !Sub arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:vpc/*");
        StatementsWithAction(MemberRole, "ec2:CreateRoute").ShouldHaveSingleItem()["Resource"].ShouldBeOfType<YamlSequenceNode>()
            .Children.Select(Text).ShouldAllBe(r => r.Contains(":${AWS::AccountId}:"));
    }

    [Fact]
    public void BusPolicy_AllowsOnlyTheRequestSourceAndKeepsTheAutomationSourceToTheWorkflows()
    {
        var policies = template.Resources("AWS::Events::EventBusPolicy").ToList();
        var allow = TemplateModel.Statements(policies.Single(p => p.Name == "PeeringEventBusPolicy").Properties).ToList();
        allow.Count.ShouldBe(2, "one for the organisation, one for ManagedAccountIds (Fn::If)");
        allow.ShouldAllBe(s => Field(s, "Effect") == "Allow" && Field(s, "Action") == "events:PutEvents");
        allow.ShouldAllBe(s => Field(s, "Condition")!.Contains("ForAllValues:StringEquals: events:source: vpc-peering ;"));
        Field(allow[0], "Condition")!.ShouldContain("aws:PrincipalOrgID: !Ref OrganizationId");
        Field(allow[1], "Principal").ShouldBe("AWS: !Ref ManagedAccountIds");

        var deny = TemplateModel.Statements(policies.Single(p => p.Name == "AutomationSourceDenyPolicy").Properties).ShouldHaveSingleItem();
        Field(deny, "Effect").ShouldBe("Deny");
        Field(deny, "Principal").ShouldBe("*");
        var emitters = template.Resources("AWS::Serverless::StateMachine")
            .Where(m => ((YamlMappingNode)m.Properties["DefinitionSubstitutions"]).Children.ContainsKey(new YamlScalarNode("EventBusName")))
            .Select(m => $"!GetAtt {m.Name}Role.Arn");
        var condition = (YamlMappingNode)deny["Condition"];
        Text(((YamlMappingNode)condition["ForAnyValue:StringEquals"])["events:source"]).ShouldBe("vpc-peering.automation");
        ((YamlSequenceNode)((YamlMappingNode)condition["ArnNotLike"])["aws:PrincipalArn"]).Children.Select(Text)
            .ShouldBe(emitters, ignoreOrder: true, "every workflow that emits on the bus, and only those");
    }
}
