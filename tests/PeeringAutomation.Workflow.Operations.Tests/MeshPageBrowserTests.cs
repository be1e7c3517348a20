using System.Diagnostics;
using System.Text.RegularExpressions;
using PeeringAutomation.Core.Operations;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Operations.Tests;

/// <summary>
/// <c>GET /mesh</c> in a real headless browser (Debian's chromium; CI installs it): the page renders,
/// its nodes and edges are the ledger's, and a peering requested on the bus appears. It also takes
/// the README's screenshot (docs/operations-mesh.png, replaced with PEERING_AUTOMATION_UPDATE_DOCS=1).
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed partial class MeshPageBrowserTests(WorldStack world)
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Set to 1 to replace the README's screenshot with the one this test takes.</summary>
    private const string UpdateDocsVariable = "PEERING_AUTOMATION_UPDATE_DOCS";

    private LocalCloud Stack => world.Stack;

    private Uri MeshUrl => new(Stack.Endpoint, "/mesh");

    private static async Task<string> ChromiumAsync(params string[] arguments)
    {
        File.Exists(Chromium).ShouldBeTrue(
            $"{Chromium} is missing: install Debian's chromium (apt-get update && apt-get install -y chromium); .ci/run does this before the tests");
        var profile = Directory.CreateTempSubdirectory("mesh-chromium-");
        try
        {
            var start = new ProcessStartInfo(Chromium)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--hide-scrollbars", $"--user-data-dir={profile.FullName}",
            }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(limit.Token);
            process.ExitCode.ShouldBe(0, await stderr);
            return await stdout;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>What the browser drew: requests with their state, VPC nodes, collapsed account-regions.</summary>
    private async Task<(Dictionary<string, string> Edges, HashSet<string> Nodes, HashSet<string> Collapsed, string Dom)> RenderedAsync()
    {
        var dom = await ChromiumAsync("--dump-dom", MeshUrl.ToString());
        var edges = EdgePattern().Matches(dom).ToDictionary(m => m.Groups["request"].Value, m => m.Groups["state"].Value);
        var nodes = NodePattern().Matches(dom).Select(m => m.Groups[1].Value).ToHashSet();
        var collapsed = CollapsedPattern().Matches(dom).Select(m => $"{m.Groups[1].Value}/{m.Groups[2].Value}").ToHashSet();
        return (edges, nodes, collapsed, dom);
    }

    [GeneratedRegex("<g class=\"edge\" data-state=\"(?<state>[a-z-]+)\" data-request=\"(?<request>[^\"]+)\"")]
    private static partial Regex EdgePattern();

    [GeneratedRegex("<g class=\"node\" data-vpc=\"([^\"]+)\"")]
    private static partial Regex NodePattern();

    [GeneratedRegex("data-account=\"(\\d{12})\" data-region=\"([a-z0-9-]+)\" data-collapsed=\"true\"")]
    private static partial Regex CollapsedPattern();

    /// <summary>The number on a drawn VPC's findings badge (0: no badge).</summary>
    private static int Badge(string dom, string vpcId)
    {
        var badge = Regex.Match(dom, $"<g class=\"node\" data-vpc=\"{Regex.Escape(vpcId)}\">(?:(?!</g>).)*<g class=\"badge\" data-findings=\"(\\d+)\"", RegexOptions.Singleline);
        return badge.Success ? int.Parse(badge.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static string Slug(MeshEdgeState state) => MeshRenderer.NameOf(state).Replace(' ', '-');

    [Fact]
    public async Task MeshPage_ShowsTheLedgerInABrowserAndANewPeeringAfterARequest()
    {
        var before = await RenderedAsync();
        var records = await Stack.Ledger!.ListByStatusAsync([.. PeeringMesh.StatusesShown]);
        var mesh = PeeringMesh.From(records, DateTimeOffset.UtcNow);

        before.Dom.ShouldContain("http-equiv=\"refresh\"");
        before.Dom.ShouldContain("<svg");
        before.Dom.ShouldNotContain("<script");
        // Every drawn VPC of the ledger is a node; the edges between drawn VPCs are the ledger's, in its states.
        bool Drawn(Core.Model.PeeringSideInfo side) => !before.Collapsed.Contains($"{side.Account}/{side.Region}");
        var expectedNodes = mesh.Edges.SelectMany(e => new[] { e.Requester, e.Accepter }).Where(Drawn).Select(s => s.VpcId.Value).ToHashSet();
        before.Nodes.ShouldBe(expectedNodes, ignoreOrder: true);
        var expectedEdges = mesh.Edges.Where(e => Drawn(e.Requester) && Drawn(e.Accepter)).ToDictionary(e => e.RequestId.Value, e => Slug(e.State));
        before.Edges.ShouldBe(expectedEdges, ignoreOrder: true);
        before.Edges.ShouldNotContainKey("mesh-a10-b15");

        var build = new RequestBuilder(Stack.World);
        var request = build.Request("mesh-a10-b15", "a10", "b15");
        request["requestedBy"] = "ops@example.com";
        await world.ProvisionAsync(request, "a10", "b15");
        var after = await RenderedAsync();

        after.Edges["mesh-a10-b15"].ShouldBe("active");
        after.Nodes.ShouldContain(Stack.World.IdOf("a10"));
        after.Nodes.ShouldContain(Stack.World.IdOf("b15"));
        after.Dom.ShouldContain($"data-requester=\"{Stack.World.IdOf("a10")}\" data-accepter=\"{Stack.World.IdOf("b15")}\"");

        // An open finding against b15 in the deployed findings table (as the compliance sweep records it) is its badge.
        var b15 = Stack.World.Vpc("b15");
        var findings = new PeeringAutomation.Aws.DynamoDbFindingStore(
            Stack.Clients.HubDynamoDb(), Stack.Plan.Tables.Single(t => t.LogicalId == "FindingStateTable").Name);
        await findings.RecordSeenAsync(new Core.Compliance.ComplianceFinding
        {
            FindingId = $"mesh-badge-{b15.VpcId}", FindingType = "FlowLogsMissing", Severity = "MEDIUM",
            AccountId = Core.Model.AccountId.Parse(b15.AccountId), Region = Core.Model.AwsRegion.Parse(b15.Region), VpcId = Core.Model.VpcId.Parse(b15.VpcId), Message = "no flow log (mesh badge test)",
        }, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        var badged = await RenderedAsync();
        Badge(badged.Dom, b15.VpcId).ShouldBe(Badge(after.Dom, b15.VpcId) + 1);

        // The screenshot goes to the test's output folder; the README's copy (docs/operations-mesh.png)
        // is replaced only when asked, so that a test run leaves the working tree as it found it.
        var screenshot = Path.Combine(AppContext.BaseDirectory, "operations-mesh.png");
        await ChromiumAsync($"--screenshot={screenshot}", "--window-size=1600,1000", MeshUrl.ToString());
        new FileInfo(screenshot).Length.ShouldBeGreaterThan(1000);
        if (Environment.GetEnvironmentVariable(UpdateDocsVariable) == "1")
        {
            File.Copy(screenshot, Path.Combine(RepositoryRoot(), "docs", "operations-mesh.png"), overwrite: true);
        }
        await findings.TryResolveAsync($"mesh-badge-{b15.VpcId}", DateTimeOffset.UtcNow);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "template.yaml")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("template.yaml not found above the test binaries");
    }
}
