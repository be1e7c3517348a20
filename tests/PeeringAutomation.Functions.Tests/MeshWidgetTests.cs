using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Operations;
using PeeringAutomation.Functions.Operations;

namespace PeeringAutomation.Functions.Tests;

/// <summary>The peering-mesh custom widget: well-formed HTML/SVG, nothing a widget strips, within size at 300 VPCs.</summary>
public sealed class MeshWidgetTests
{
    /// <summary>
    /// Our budget for one widget answer. Lambda's synchronous response limit is 6 MB; a dashboard
    /// downloads every widget on every refresh, so the mesh keeps to a sixth of it.
    /// </summary>
    private const int WidgetBudgetBytes = 1024 * 1024;

    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    private readonly ProvisioningWorld world = new();

    private static RequestRecord Record(string id, string account, string region, string vpc, string peerAccount, string peerRegion, string peerVpc,
        string status, DateTimeOffset? expiresAt = null, string at = "2026-11-30T09:00:00Z") => new()
    {
        RequestId = RequestId.Parse(id),
        Requester = new PeeringSideInfo(AccountId.Parse(account), AwsRegion.Parse(region), VpcId.Parse(vpc)),
        Accepter = new PeeringSideInfo(AccountId.Parse(peerAccount), AwsRegion.Parse(peerRegion), VpcId.Parse(peerVpc)),
        Asker = new RequestAsker { Account = account },
        Fingerprint = "f",
        Status = status,
        ExpiresAt = expiresAt,
        History = [new HistoryEntry(status, at, null, null)],
    };

    private static string Vpc(int n) => $"vpc-{n:x17}";

    private async Task<string> InvokeAsync(string input = "{}")
    {
        var handler = new MeshWidgetFunction(world.Services);
        await using var output = await handler.Handle(new MemoryStream(Encoding.UTF8.GetBytes(input)));
        return JsonSerializer.Deserialize<string>(output)!;
    }

    private static XElement Parse(string html)
    {
        html.ShouldNotContain("<script", Case.Insensitive);
        html.ShouldNotContain("<use", Case.Insensitive);
        html.ShouldNotContain("<iframe", Case.Insensitive);
        html.Replace("http://www.w3.org/2000/svg", "").ShouldNotContain("http", Case.Insensitive, "nothing outside the machine is loaded");
        return XElement.Parse(html);
    }

    private static IEnumerable<XElement> Svg(XElement root, string cssClass) =>
        root.Descendants().Where(e => e.Name.LocalName == "g" && ((string?)e.Attribute("class"))?.Split(' ').Contains(cssClass) == true);

    [Fact]
    public async Task MeshWidget_ReturnsWellFormedHtmlWithAnEmptySvgGivenAnEmptyLedger()
    {
        var root = Parse(await InvokeAsync());

        root.Descendants().ShouldContain(e => e.Name.LocalName == "svg");
        Svg(root, "edge").ShouldBeEmpty();
        root.ToString().ShouldContain("No managed peerings yet");
    }

    [Fact]
    public async Task MeshWidget_DrawsEachRecordAsAnEdgeColouredByStateGivenASmallMesh()
    {
        var a = "111111111111";
        var b = "222222222222";
        foreach (var record in new[]
        {
            Record("chg-active", a, "us-east-1", Vpc(1), b, "eu-west-1", Vpc(2), LedgerStatus.Provisioned),
            Record("chg-expiring", a, "us-east-1", Vpc(1), a, "us-east-1", Vpc(3), LedgerStatus.Provisioned, Now.AddHours(5)),
            Record("chg-pending", b, "eu-west-1", Vpc(2), a, "us-east-1", Vpc(3), LedgerStatus.Provisioning),
            Record("chg-approval", b, "eu-west-1", Vpc(4), a, "us-east-1", Vpc(1), LedgerStatus.AwaitingApproval),
            Record("chg-failed", a, "us-east-1", Vpc(5), b, "eu-west-1", Vpc(4), LedgerStatus.Failed, at: "2026-11-30T08:00:00Z"),
            Record("chg-old-failure", a, "us-east-1", Vpc(6), b, "eu-west-1", Vpc(4), LedgerStatus.Failed, at: "2026-11-20T08:00:00Z"),
            Record("chg-gone", a, "us-east-1", Vpc(7), b, "eu-west-1", Vpc(4), LedgerStatus.TornDown),
        })
        {
            world.Ledger.Records[record.RequestId] = record;
        }

        var html = MeshRenderer.Render(await new MeshWidgetFunction(world.Services).ReadAsync(CancellationToken.None) with { ReadAt = Now });
        var mesh = PeeringMesh.From(world.Ledger.Records.Values, Now, new Dictionary<string, int> { [Vpc(2)] = 3 });
        var root = Parse(MeshRenderer.Render(mesh));

        Parse(html);
        var edges = Svg(root, "edge").ToDictionary(e => (string)e.Attribute("data-request")!, e => (string)e.Attribute("data-state")!);
        edges.ShouldBe(new Dictionary<string, string>
        {
            ["chg-active"] = "active", ["chg-expiring"] = "expiring-within-a-day", ["chg-pending"] = "pending-acceptance",
            ["chg-approval"] = "awaiting-approval", ["chg-failed"] = "failed",
        }, ignoreOrder: true);
        Svg(root, "node").Select(n => (string)n.Attribute("data-vpc")!).Order().ShouldBe(Enumerable.Range(1, 5).Select(Vpc));
        Svg(root, "group").Select(g => $"{g.Attribute("data-account")!.Value}/{g.Attribute("data-region")!.Value}")
            .ShouldBe(["111111111111/us-east-1", "222222222222/eu-west-1"]);
        Svg(root, "badge").ShouldHaveSingleItem().Attribute("data-findings")!.Value.ShouldBe("3");
        var labels = Svg(root, "edge").Select(e => e.Descendants().Single(d => d.Name.LocalName == "text").Value).ToList();
        labels.ShouldContain($"chg-expiring · {a} · expires {LedgerTime.Of(Now.AddHours(5))}");
        root.ToString().ShouldContain(MeshRenderer.ColourOf(MeshEdgeState.Failed));
    }

    [Fact]
    public async Task MeshWidget_CollapsesAccountsAndStaysWithinTheWidgetBudgetGivenThreeHundredVpcs()
    {
        // 6 accounts x 2 regions, 25 VPCs each (300 in all), each peered with the next; every tenth failed.
        var vpcs = Enumerable.Range(0, 300).Select(i => (Account: $"{100000000000 + i / 25 / 2:D12}", Region: i / 25 % 2 == 0 ? "us-east-1" : "eu-west-1", Vpc: Vpc(i + 1))).ToList();
        for (var i = 0; i < 300; i++)
        {
            var (from, to) = (vpcs[i], vpcs[(i + 1) % 300]);
            var status = i % 10 == 0 ? LedgerStatus.Failed : LedgerStatus.Provisioned;
            var record = Record($"chg-{i}", from.Account, from.Region, from.Vpc, to.Account, to.Region, to.Vpc, status);
            world.Ledger.Records[record.RequestId] = record;
        }

        var html = await InvokeAsync("{\"widgetContext\": {\"dashboardName\": \"peering\", \"width\": 1200, \"height\": 800}}");
        var root = Parse(html);

        Encoding.UTF8.GetByteCount(html).ShouldBeLessThan(WidgetBudgetBytes);
        Svg(root, "group").Count().ShouldBe(12);
        Svg(root, "group").ShouldAllBe(g => g.Attribute("data-collapsed")!.Value == "true");
        Svg(root, "node").ShouldAllBe(n => n.Attribute("data-vpc") == null, "no VPC is drawn one by one at 300");
        var edges = Svg(root, "edge").ToList();
        edges.Count.ShouldBeLessThan(30, "edges are merged per pair of account-regions");
        edges.Sum(e => int.Parse((string?)e.Attribute("data-count") ?? "1")).ShouldBe(300);
        root.ToString().ShouldContain("300 VPCs in 12 account-regions");
        root.Descendants().Count(e => e.Name.LocalName == "tr" && e.Attribute("data-request") != null).ShouldBe(30, "the 30 failures are listed");
    }

    [Fact]
    public async Task MeshWidget_BadgesEachVpcWithItsOpenUnsuppressedFindingsGivenTheFindingsStore()
    {
        var a = "111111111111";
        var b = "222222222222";
        var badged = new ProvisioningWorld(clock: new ManualClock(Now));
        foreach (var record in new[]
        {
            Record("chg-one", a, "us-east-1", Vpc(1), b, "eu-west-1", Vpc(2), LedgerStatus.Provisioned),
            Record("chg-two", a, "us-east-1", Vpc(3), b, "eu-west-1", Vpc(2), LedgerStatus.Provisioned),
        })
        {
            badged.Ledger.Records[record.RequestId] = record;
        }
        FindingState Finding(string id, string account, string region, string? vpc) => new()
        {
            FindingId = id, FindingType = "FlowLogsMissing", AccountId = account, Region = region, VpcId = vpc,
            FirstSeen = Now.AddHours(-2), LastSeen = Now.AddHours(-1), Severity = "MEDIUM", Message = "m",
        };
        foreach (var state in new[]
        {
            Finding("f-1", b, "eu-west-1", Vpc(2)),
            Finding("f-2", b, "eu-west-1", Vpc(2)),
            Finding("f-3", a, "us-east-1", Vpc(1)),
            Finding("f-suppressed", a, "us-east-1", Vpc(3)) with { SuppressedUntil = Now.AddDays(1), SuppressedBy = a, SuppressionReason = "known" },
            Finding("f-suppression-over", a, "us-east-1", Vpc(3)) with { SuppressedUntil = Now.AddDays(-1), SuppressedBy = a, SuppressionReason = "was known" },
            Finding("f-resolved", a, "us-east-1", Vpc(1)) with { ResolvedAt = Now.AddMinutes(-5) },
            Finding("f-not-on-the-mesh", a, "us-east-1", Vpc(9)),
            Finding("f-no-vpc", b, "eu-west-1", null),
        })
        {
            badged.Findings.Items[state.FindingId] = state;
        }

        var mesh = await new MeshWidgetFunction(badged.Services).ReadAsync(CancellationToken.None);
        var root = Parse(MeshRenderer.Render(mesh));

        mesh.OpenFindings.ShouldBe(new Dictionary<string, int> { [Vpc(2)] = 2, [Vpc(1)] = 1, [Vpc(3)] = 1 }, ignoreOrder: true);
        Svg(root, "badge").Select(g => (string)g.Attribute("data-findings")!).Order().ShouldBe(["1", "1", "2"]);
    }

    [Fact]
    public async Task MeshWidget_ReturnsItsDocumentationGivenDescribe()
    {
        var text = await InvokeAsync("{\"describe\": true}");

        text.ShouldBe(MeshWidgetFunction.Documentation);
    }
}
