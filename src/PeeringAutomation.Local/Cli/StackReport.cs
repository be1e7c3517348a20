using System.Text.Json.Nodes;
using PeeringAutomation.Local.Hosting;
using Spectre.Console;

namespace PeeringAutomation.Local.Cli;

/// <summary>What <c>up</c> prints: endpoint, bus, what was deployed, the world, and a copy-paste put-events line.</summary>
public static class StackReport
{
    public static void Print(LocalCloud stack, bool schedules)
    {
        var endpoint = stack.Endpoint.ToString().TrimEnd('/');
        AnsiConsole.MarkupLineInterpolated($"[green]Local stack up[/] at [bold]{endpoint}[/] (hub {stack.AccountId}, {stack.Region}; access key [bold]testing[/] / secret [bold]testing[/])");
        AnsiConsole.MarkupLineInterpolated($"Bus: [bold]{stack.EventBusName}[/]   Template: {stack.Plan.TemplatePath}");
        AnsiConsole.MarkupLineInterpolated($"Behaviour: {(stack.Behaviour is { } layer ? $"like AWS (inter-region lag {layer.Lag.Lag.TotalSeconds:0} s, failed on overlap, per-side tags, filters, expiry, NACL defaults)" : "raw moto (--raw-moto)")}   Health: {endpoint}/local/health");
        AnsiConsole.MarkupLineInterpolated($"Peering mesh (the dashboard's widget, refreshes itself): [bold]{endpoint}{Operations.MeshPage.Path}[/]");
        var deployed = new Table().AddColumns("Kind", "Name", "Details");
        foreach (var m in stack.Plan.StateMachines)
        {
            deployed.AddRow(Esc("state machine"), Esc(m.Name), Esc(m.Arn));
        }
        foreach (var f in stack.Plan.Functions)
        {
            deployed.AddRow(Esc("function"), Esc(f.Name), Esc(f.Handler));
        }
        foreach (var r in stack.Plan.Rules)
        {
            deployed.AddRow(Esc("rule"), Esc(r.Name), Esc((r.Pattern ?? r.Schedule ?? "") + (r.Schedule is not null && !schedules ? " (off: --no-schedules)" : "")));
        }
        foreach (var t in stack.Plan.Topics)
        {
            deployed.AddRow(Esc("topic"), Esc(t.Name), Esc(t.Arn));
        }
        foreach (var ignored in stack.Plan.Ignored)
        {
            deployed.AddRow("[grey]ignored[/]", Markup.Escape(ignored), "[grey]no local effect[/]");
        }
        AnsiConsole.Write(deployed);
        if (stack.Faults.Settings.Any)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Fault injection on:[/] --faults {stack.Faults.Settings} (replay with the same seed; counts are printed on stop)");
        }
        if (stack.World.Vpcs.Count > 0)
        {
            var world = new Table().AddColumns("Account", "Region", "VPC", "Id", "CIDR blocks", "Flow logs");
            foreach (var vpc in stack.World.Vpcs)
            {
                var name = stack.World.Spec.Accounts.First(a => a.Id == vpc.AccountId).Name;
                world.AddRow(Esc($"{vpc.AccountId} ({name})"), Esc(vpc.Region), Esc(vpc.Name), Esc(vpc.VpcId), Esc(string.Join(" ", vpc.Ipv4Cidrs.Concat(vpc.Ipv6Cidrs))), vpc.FlowLogs ? "yes" : "[yellow]no[/]");
            }
            AnsiConsole.Write(world);
        }
        AnsiConsole.MarkupLine("Try it ([grey]member accounts: aws sts assume-role --role-arn arn:aws:iam::<account>:role/" + Markup.Escape(stack.Plan.Parameters.GetValueOrDefault("MemberRoleName") ?? "<MemberRoleName>") + " ...[/]):");
        var entries = SampleEntries(stack).Replace("'", "'\\''", StringComparison.Ordinal);
        Console.WriteLine($"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --region {stack.Region} --endpoint-url {endpoint} events put-events --entries '{entries}'");
        Console.WriteLine($"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --region {stack.Region} --endpoint-url {endpoint} stepfunctions list-state-machines");
        AnsiConsole.MarkupLine("[grey]Ctrl-C stops everything (moto included).[/]");
    }

    // Readable JSON in a shell line: no \u0022 escapes.
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Esc(string text) => Markup.Escape(text);

    /// <summary>A put-events entries array from the first sample in events/ (or a minimal one), on the stack's bus.</summary>
    public static string SampleEntries(LocalCloud stack)
    {
        var sample = Demo.SampleEvents.All().FirstOrDefault(s => s.DetailType == "Peering Requested") ?? Demo.SampleEvents.All().FirstOrDefault();
        var entry = new JsonObject
        {
            ["Source"] = sample?.Source ?? "vpc-peering",
            ["DetailType"] = sample?.DetailType ?? "Peering Acceptance Check Requested",
            ["Detail"] = Demo.WorldSamples.Localize(sample?.Detail ?? [], stack.World).ToJsonString(Relaxed),
            ["EventBusName"] = stack.EventBusName,
        };
        return new JsonArray(entry).ToJsonString(Relaxed);
    }
}
