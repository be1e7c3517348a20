using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Demo;
using PeeringAutomation.Local.Hosting;
using Spectre.Console;

namespace PeeringAutomation.Local.Cli;

/// <summary>The <c>up</c> and <c>demo</c> commands (System.CommandLine), with Spectre.Console output.</summary>
public static class LocalCli
{
    /// <summary>Parses and runs; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var port = new Option<int>("--port") { Description = "Port of the endpoint on 127.0.0.1", DefaultValueFactory = _ => 4566 };
        var world = new Option<string?>("--world") { Description = "World file (YAML) to create; default worlds/default.yaml" };
        var noWorld = new Option<bool>("--no-world") { Description = "Create no accounts or VPCs" };
        var overrides = new Option<string[]>("--parameter-overrides") { Description = "Template parameters as Key=Value", AllowMultipleArgumentsPerToken = true };
        var noSchedules = new Option<bool>("--no-schedules") { Description = "Do not fire schedule rules (fire them with POST /local/schedules/{rule}/fire)" };
        var template = new Option<string?>("--template") { Description = "template.yaml (default: found upwards from the current directory)" };
        var verbose = new Option<bool>("--verbose") { Description = "Log every delivery and invocation" };
        var faults = new Option<string?>("--faults") { Description = "Seeded fault injection: throttle=P,server=P,lambda=P,duplicate=P,seed=N (shares 0-1; any subset)" };
        var rawMoto = new Option<bool>("--raw-moto") { Description = "Turn the AWS behaviour layer off: moto answers as moto does (for debugging)" };

        var up = new Command("up", "Run the template locally on one endpoint until Ctrl-C") { port, world, noWorld, overrides, noSchedules, template, verbose, faults, rawMoto };
        up.SetAction((result, ct) => UpAsync(result.GetValue(port), WorldChoice(result.GetValue(world), result.GetValue(noWorld)), ParseOverrides(result.GetValue(overrides)), !result.GetValue(noSchedules), result.GetValue(template), result.GetValue(verbose), result.GetValue(faults), result.GetValue(rawMoto)));

        var demoWorld = new Option<string?>("--world") { Description = "World file (YAML); default worlds/default.yaml" };
        var demoTemplate = new Option<string?>("--template") { Description = "template.yaml (default: found upwards from the current directory)" };
        var demo = new Command("demo", "Start on a free port and play the story of requests through the real bus") { demoWorld, demoTemplate, verbose };
        demo.SetAction((result, ct) => DemoRunner.RunAsync(result.GetValue(demoWorld) ?? LocalCloudOptions.DefaultWorldFile, result.GetValue(demoTemplate), result.GetValue(verbose)));

        var root = new RootCommand("PeeringAutomation local stack: moto + in-process Lambda handlers + the real template") { up, demo };
        // We handle SIGINT/SIGTERM ourselves so moto is stopped before the process exits.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static string? WorldChoice(string? world, bool noWorld) => noWorld ? null : world ?? LocalCloudOptions.DefaultWorldFile;

    internal static Dictionary<string, string> ParseOverrides(string[]? values)
    {
        var result = new Dictionary<string, string>();
        foreach (var item in values ?? [])
        {
            var eq = item.IndexOf('=');
            if (eq <= 0)
            {
                throw new ArgumentException($"--parameter-overrides: '{item}' is not Key=Value");
            }
            result[item[..eq]] = item[(eq + 1)..];
        }
        return result;
    }

    /// <summary>The <c>--faults</c> option: none when absent; without <c>seed=</c> a fresh seed, printed so the run can be replayed.</summary>
    internal static Faults.FaultSettings ParseFaults(string? text) =>
        text is null ? Faults.FaultSettings.None : Faults.FaultSettings.Parse(text, defaultSeed: Random.Shared.Next());

    private static async Task<int> UpAsync(int port, string? worldFile, Dictionary<string, string> overrides, bool schedules, string? template, bool verbose, string? faultText, bool rawMoto)
    {
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        LocalCloud stack;
        try
        {
            var faultSettings = ParseFaults(faultText);
            stack = await LocalCloud.StartAsync(new LocalCloudOptions
            {
                Faults = faultSettings,
                Port = port,
                WorldFile = worldFile,
                ParameterOverrides = overrides,
                RunSchedules = schedules,
                TemplatePath = template,
                CollectOutcomes = false,
                Behaviour = rawMoto ? Behaviour.BehaviourSettings.RawMoto : new Behaviour.BehaviourSettings(),
                LogLevel = verbose ? LogLevel.Debug : LogLevel.Information,
            }, stop.Token);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception e) when (StartupError.IsExpected(e))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]up failed:[/] {e.Message}");
            return 1;
        }
        await using (stack)
        {
            StackReport.Print(stack, schedules);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            if (stack.Faults.Settings.Any)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]faults ({stack.Faults.Settings}):[/] {stack.Faults.Counts.Snapshot()}");
            }
            AnsiConsole.MarkupLine("[grey]stopping: host, bridge, schedules, moto…[/]");
        }
        return 0;
    }
}

/// <summary>Start-up failures that deserve a one-line message rather than a stack trace.</summary>
internal static class StartupError
{
    public static bool IsExpected(Exception e) => e is Template.TemplateError or World.WorldFileError or PortInUse
        or Lambda.HandlerNotResolved or Moto.MotoUnavailable or Aws.LocalAwsError or ArgumentException or FormatException;
}
