using System.Text.Json;
using PeeringAutomation.Core.Tests.Corpus;

namespace PeeringAutomation.Core.Tests.Requests;

/// <summary>
/// The parser half of the hostile-request corpus: no file makes it throw, and whatever it refuses
/// it refuses with reasons that fit an event. (The whole path, validation included, is
/// <c>HostileRequestCorpusTests</c> in PeeringAutomation.Functions.Tests.)
/// </summary>
public sealed class RequestParserCorpusTests
{
    private static readonly Dictionary<string, string> Ids = new()
    {
        ["requesterVpc"] = PeeringRequestedEventBuilder.RequesterVpc,
        ["accepterVpc"] = PeeringRequestedEventBuilder.AccepterVpc,
        ["requesterGroup"] = PeeringRequestedEventBuilder.RequesterGroup,
        ["accepterGroup"] = "sg-0fedcba9876543210",
    };

    public static TheoryData<string> Files() => [.. HostileRequestCorpus.All().Select(e => e.File)];

    [Fact]
    public void HostileRequestCorpus_HoldsAtLeastFortyCasesGivenTheRepository()
    {
        HostileRequestCorpus.All().Count.ShouldBeGreaterThanOrEqualTo(40);
        Directory.GetFiles(HostileRequestCorpus.Directory, "*.json").Length.ShouldBe(HostileRequestCorpus.All().Count + 1);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void RequestParserParsePeeringRequested_RefusesWithBoundedReasonsOrLeavesItToTheValidatorGivenCorpusFile(string file)
    {
        var expected = HostileRequestCorpus.All().Single(e => e.File == file);
        using var document = EventJson.Parse(HostileRequestCorpus.Envelope(HostileRequestCorpus.Detail(file, Ids)));

        var result = new RequestParser().ParsePeeringRequested(document.RootElement);

        if (result.IsValid)
        {
            // Only refusals that need AWS (accounts, regions, VPCs, routes, policy) may pass the parser.
            expected.Code.ShouldNotBe(ReasonCodes.InvalidRequest);
            return;
        }
        result.Reasons.Count.ShouldBeLessThanOrEqualTo(ReasonLimits.MaxReasons);
        result.Reasons.ShouldAllBe(r => r.Message.Length <= ReasonLimits.MaxMessageLength);
        result.Reasons.ShouldContain(r => r.Code == expected.Code && r.Message.Contains(expected.Mentions, StringComparison.Ordinal),
            $"{file}: {string.Join(" | ", result.Reasons)}");
    }
}
