using Amazon.EC2.Model;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Cli;
using PeeringAutomation.Local.Hosting;
using Spectre.Console;

namespace PeeringAutomation.Local.Demo;

/// <summary>
/// The <c>demo</c> command: starts the stack on a free port with the default world, plays
/// <see cref="DemoStories.Default"/> through the real bus showing each workflow as it runs, prints
/// the EC2 state that resulted, and exits 0 only if no step failed.
/// </summary>
public static class DemoRunner
{
    /// <summary>
    /// The behaviour layer as the demo runs it: auto-accept leaves a request alone for 2 minutes,
    /// judging its age by expirationTime minus AWS's 7 days; a one-day pending lifetime lets the
    /// story's hand-made requests count at once. The inter-region lag is shortened to 0.25 s, not skipped:
    /// the inter-region step still shows a <c>PeeringNotReady</c> retried, without waiting out AWS's seconds.
    /// </summary>
    public static Behaviour.BehaviourSettings Behaviour { get; } = new() { PendingExpiry = TimeSpan.FromDays(1), InterRegionLag = TimeSpan.FromSeconds(0.25) };

    public static async Task<int> RunAsync(string worldFile, string? template, bool verbose)
    {
        var started = DateTime.UtcNow;
        // The handlers log JSON lines to stdout (CloudWatch in AWS); keep them out of the story.
        using var functionLog = verbose ? null : new StreamWriter(Path.Combine(Path.GetTempPath(), $"peering-demo-{Environment.ProcessId}.log")) { AutoFlush = true };
        var stdout = Console.Out;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        if (functionLog is not null)
        {
            Console.SetOut(TextWriter.Synchronized(functionLog));
            AnsiConsole.MarkupLineInterpolated($"[grey]Function logs: {((FileStream)functionLog.BaseStream).Name}[/]");
        }
        try
        {
            return await PlayAsync(worldFile, template, verbose, started);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    private static async Task<int> PlayAsync(string worldFile, string? template, bool verbose, DateTime started)
    {
        LocalCloud stack;
        try
        {
            AnsiConsole.MarkupLine("[grey]Starting moto, the host and the template on a free port…[/]");
            stack = await LocalCloud.StartAsync(new LocalCloudOptions
            {
                WorldFile = worldFile,
                TemplatePath = template,
                LogLevel = verbose ? LogLevel.Information : LogLevel.Error,
                Behaviour = Behaviour,
            });
        }
        catch (Exception e) when (StartupError.IsExpected(e))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]demo failed to start:[/] {e.Message}");
            return 1;
        }
        await using (stack)
        {
            AnsiConsole.MarkupLineInterpolated($"Local stack at [bold]{stack.Endpoint}[/], bus [bold]{stack.EventBusName}[/], {stack.World.Vpcs.Count} VPCs in {stack.World.Spec.Accounts.Count} accounts ({(DateTime.UtcNow - started).TotalSeconds:0.0} s)");
            var results = await new DemoPlayer(stack, new ConsoleOutput()).PlayAsync(DemoStories.Default);
            await PrintEc2StateAsync(stack);
            var summary = new Table().AddColumns("Step", "Result", "Why");
            foreach (var r in results)
            {
                summary.AddRow(Markup.Escape(r.Step.Title), r.Status switch
                {
                    StepStatus.Passed => "[green]passed[/]",
                    StepStatus.Skipped => "[yellow]skipped[/]",
                    _ => "[red]FAILED[/]",
                }, Markup.Escape(r.Reason ?? ""));
            }
            AnsiConsole.Write(summary);
            var failed = results.Count(r => r.Status == StepStatus.Failed);
            AnsiConsole.MarkupLineInterpolated($"{results.Count(r => r.Status == StepStatus.Passed)} passed, {failed} failed, {results.Count(r => r.Status == StepStatus.Skipped)} skipped in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
            return failed == 0 ? 0 : 1;
        }
    }

    private static async Task PrintEc2StateAsync(LocalCloud stack)
    {
        var names = stack.World.Vpcs.ToDictionary(v => v.VpcId, v => v.Name);
        var peerings = new Dictionary<string, VpcPeeringConnection>();
        foreach (var (account, region) in stack.World.Vpcs.Select(v => (v.AccountId, v.Region)).Distinct())
        {
            var ec2 = await stack.Driver.Ec2Async(account, region);
            foreach (var p in (await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest())).VpcPeeringConnections ?? [])
            {
                peerings.TryAdd(p.VpcPeeringConnectionId, p);
            }
        }
        var table = new Table().Title("EC2: VPC peerings").AddColumns("Peering", "Requester", "Accepter", "State", "Routes via peering", "SG rules from the peer");
        foreach (var p in peerings.Values.OrderBy(p => p.VpcPeeringConnectionId))
        {
            var routes = 0;
            var rules = 0;
            var sides = stack.World.Vpcs.Where(v => v.VpcId == p.RequesterVpcInfo?.VpcId || v.VpcId == p.AccepterVpcInfo?.VpcId).ToList();
            foreach (var vpc in sides)
            {
                var ec2 = await stack.Driver.Ec2Async(vpc.AccountId, vpc.Region);
                var tables = (await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [new Filter("vpc-id", [vpc.VpcId])] })).RouteTables ?? [];
                routes += tables.SelectMany(t => t.Routes ?? []).Count(r => r.VpcPeeringConnectionId == p.VpcPeeringConnectionId);
                // Rules that admit the peer VPC's blocks: what ingressFromPeer opened.
                var peerBlocks = sides.Where(o => o != vpc).SelectMany(o => o.Ipv4Cidrs.Concat(o.Ipv6Cidrs)).ToHashSet();
                var groups = (await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("vpc-id", [vpc.VpcId])] })).SecurityGroups ?? [];
                rules += groups.SelectMany(g => g.IpPermissions ?? [])
                    .Sum(perm => (perm.Ipv4Ranges ?? []).Count(r => peerBlocks.Contains(r.CidrIp)) + (perm.Ipv6Ranges ?? []).Count(r => peerBlocks.Contains(r.CidrIpv6)));
            }
            string Side(VpcPeeringConnectionVpcInfo? info) => info is null ? "?" : $"{names.GetValueOrDefault(info.VpcId ?? "", info.VpcId ?? "?")} ({info.OwnerId}, {info.Region})";
            table.AddRow(Markup.Escape(p.VpcPeeringConnectionId), Markup.Escape(Side(p.RequesterVpcInfo)), Markup.Escape(Side(p.AccepterVpcInfo)), Markup.Escape(p.Status?.Code?.Value ?? "?"),
                routes.ToString(System.Globalization.CultureInfo.InvariantCulture), rules.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
    }

    private sealed class ConsoleOutput : IDemoOutput
    {
        public void StepStarted(int index, DemoStep step, string target)
        {
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLineInterpolated($"[bold]{index + 1}. {step.Title}[/]");
            AnsiConsole.MarkupLineInterpolated($"   [grey]{step.DetailType} → {target}[/]");
        }

        public void WorkflowEvent(HistoryEvent e)
        {
            if (e.Type.EndsWith("StateEntered", StringComparison.Ordinal))
            {
                AnsiConsole.MarkupLineInterpolated($"   [blue]›[/] {e.StateName}");
            }
            else if (e.Type.EndsWith("Failed", StringComparison.Ordinal) && e.Error is { } error)
            {
                AnsiConsole.MarkupLineInterpolated($"   [red]✗ {e.Type}: {error}[/]");
            }
            else if (e.Type is "ExecutionSucceeded")
            {
                AnsiConsole.MarkupLine("   [green]✓ workflow succeeded[/]");
            }
        }

        public void StepFinished(StepResult result)
        {
            var outcome = result.Outcome?["detail-type"]?.ToString();
            switch (result.Status)
            {
                case StepStatus.Passed:
                    var detail = result.Outcome?["detail"];
                    var says = (detail?["message"] ?? detail?["reasons"]?[0]?["message"])?.ToString();
                    AnsiConsole.MarkupLineInterpolated($"   [green]✓ {outcome}[/]{(says is null ? "" : ": " + says)}");
                    break;
                case StepStatus.Skipped:
                    AnsiConsole.MarkupLineInterpolated($"   [yellow]SKIPPED[/]: {result.Reason}");
                    break;
                default:
                    AnsiConsole.MarkupLineInterpolated($"   [red]FAILED[/]: {result.Reason}");
                    break;
            }
        }
    }
}
