using System.Text;
using System.Text.Json.Nodes;
using PeeringAutomation.Core.Tests.Corpus;
using PeeringAutomation.Functions.Provisioning;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// Every malformed or hostile <c>Peering Requested</c> detail of the corpus
/// (tests/PeeringAutomation.Core.Tests/Corpus/PeeringRequested) goes through the real validation
/// handler against the in-memory EC2: each ends as a rejection with its named code, nothing is
/// created, and the rejection event and the alert the state machine sends from it fit
/// EventBridge's and SNS's 256 KB.
/// </summary>
public sealed class HostileRequestCorpusTests
{
    public static TheoryData<string> Files() => [.. HostileRequestCorpus.All().Select(e => e.File)];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task ValidatePeeringRequest_RejectsWithNamedCodeAndCreatesNothingGivenCorpusEvent(string file)
    {
        var expected = HostileRequestCorpus.All().Single(e => e.File == file);
        var world = new ProvisioningWorld();
        var detail = HostileRequestCorpus.Detail(file, new Dictionary<string, string>
        {
            ["requesterVpc"] = world.RequesterVpc.Value,
            ["accepterVpc"] = world.AccepterVpc.Value,
            ["requesterGroup"] = world.RequesterGroup.Value,
            ["accepterGroup"] = world.AccepterGroup.Value,
        });
        var routesBefore = world.Ec2.RouteTables.Sum(t => t.Table.Routes.Count);

        // What PutEvents would say: an oversized entry never reaches a rule on AWS (locally the
        // bridge dead-letters it), but the handler must still refuse it if it ever arrives.
        var entrySize = HostileRequestCorpus.EventEntrySize("vpc-peering", "Peering Requested", detail);
        if (expected.Oversized)
        {
            entrySize.ShouldBeGreaterThan(HostileRequestCorpus.PayloadLimitBytes);
        }
        else
        {
            entrySize.ShouldBeLessThan(HostileRequestCorpus.PayloadLimitBytes);
        }
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(HostileRequestCorpus.Envelope(detail)));
        await using var output = await new ValidatePeeringRequestFunction(world.Services).Handle(input);
        var resultText = await new StreamReader(output).ReadToEndAsync();
        var result = JsonNode.Parse(resultText)!;

        result["accepted"]!.GetValue<bool>().ShouldBeFalse();
        var reasons = result["outcome"]!["reasons"]!.AsArray();
        reasons.ShouldContain(r => r!["code"]!.GetValue<string>() == expected.Code
            && r["message"]!.GetValue<string>().Contains(expected.Mentions, StringComparison.Ordinal), $"{file}: {reasons.ToJsonString()}");

        // Nothing created: only reads reached EC2.
        world.Ec2.Calls.ShouldAllBe(c => c.StartsWith("ec2:Describe"));
        world.Ec2.Peerings.ShouldBeEmpty();
        world.Ec2.RouteTables.Sum(t => t.Table.Routes.Count).ShouldBe(routesBefore);
        world.Ec2.Groups.ShouldAllBe(g => g.Group.Ingress.Count == 0);

        // The step's result is state; "Emit Peering Request Rejected" sends $.outcome as the
        // detail and "Alert rejection" as the SNS message.
        Encoding.UTF8.GetByteCount(resultText).ShouldBeLessThan(HostileRequestCorpus.PayloadLimitBytes);
        var outcome = result["outcome"]!.ToJsonString();
        HostileRequestCorpus.EventEntrySize("vpc-peering.automation", "Peering Request Rejected", outcome)
            .ShouldBeLessThan(HostileRequestCorpus.PayloadLimitBytes);
        (Encoding.UTF8.GetByteCount(outcome) + Encoding.UTF8.GetByteCount("VPC peering request rejected"))
            .ShouldBeLessThan(HostileRequestCorpus.PayloadLimitBytes);
    }
}
