using System.Diagnostics;
using System.Text.Json.Nodes;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Moto;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

/// <summary>`up` as a process: the CLI contract of the local stack (src/PeeringAutomation.Local/README.md) (endpoint, AWS CLI, busy port, clean stop).</summary>
public sealed class UpCommandTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(UpProcess.SigTerm)]
    [InlineData(UpProcess.SigInt)]
    public async Task Up_LeavesNoMotoOrDotnetProcessGivenASignal(int signal)
    {
        var port = MotoServer.FreeLoopbackPort();
        using var up = UpProcess.Start("--port", port.ToString(), "--no-world", "--template", FixtureStack.FixtureTemplate);
        (await up.WaitForOutputAsync("Local stack up", StartTimeout)).ShouldBeTrue(up.Output);
        var children = up.Children();
        children.Select(UpProcess.CommandLine).ShouldContain(c => c.Contains("moto.server"), "moto runs as a child of up");

        up.Signal(signal);
        var exitCode = await up.WaitForExitAsync(TimeSpan.FromSeconds(30));

        exitCode.ShouldBe(0, up.Output);
        up.Output.ShouldContain("stopping");
        await Task.Delay(500);
        children.Where(UpProcess.IsAlive).Select(UpProcess.CommandLine).ShouldBeEmpty();
        UpProcess.IsAlive(up.Pid).ShouldBeFalse();
    }

    [Fact]
    public async Task Up_ServesTheAwsCliAndRefusesASecondUpOnTheSamePort()
    {
        var aws = AwsCli.Find();
        var port = MotoServer.FreeLoopbackPort();
        using var up = UpProcess.Start("--port", port.ToString(), "--world", LocalCloudOptions.DefaultWorldFile, "--template", RepositoryFiles.Find("template.yaml")!, "--no-schedules");
        (await up.WaitForOutputAsync("Ctrl-C stops everything", StartTimeout)).ShouldBeTrue(up.Output);

        using (var second = UpProcess.Start("--port", port.ToString(), "--no-world", "--template", FixtureStack.FixtureTemplate))
        {
            (await second.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(1);
            second.Output.ShouldContain($"Port {port} on 127.0.0.1 is already in use");
        }

        if (aws is null)
        {
            // No AWS CLI on this machine: the endpoint is still proven by the SDK tests.
            up.Signal(UpProcess.SigTerm);
            return;
        }
        var endpoint = $"http://127.0.0.1:{port}";
        // The exact line `up` printed must work as it is.
        var printed = up.Output.Split('\n').Single(l => l.Contains("events put-events", StringComparison.Ordinal)).Trim();
        var put = JsonNode.Parse(await AwsCli.RunShellAsync(printed))!;
        put["FailedEntryCount"]!.GetValue<int>().ShouldBe(0);
        var eventId = put["Entries"]![0]!["EventId"]!.GetValue<string>();

        var machines = JsonNode.Parse(await AwsCli.RunAsync(aws, endpoint, null, "stepfunctions", "list-state-machines"))!;
        var provision = machines["stateMachines"]!.AsArray().Single(m => m!["name"]!.GetValue<string>().EndsWith("provision-peering", StringComparison.Ordinal))!["stateMachineArn"]!.GetValue<string>();
        var executions = JsonNode.Parse(await AwsCli.RunAsync(aws, endpoint, null, "stepfunctions", "list-executions", "--state-machine-arn", provision))!;
        executions["executions"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ShouldContain(eventId);

        var assumed = JsonNode.Parse(await AwsCli.RunAsync(aws, endpoint, null, "sts", "assume-role",
            "--role-arn", "arn:aws:iam::222222222222:role/PeeringAutomationMemberRole", "--role-session-name", "cli-test"))!["Credentials"]!;
        var vpcs = JsonNode.Parse(await AwsCli.RunAsync(aws, endpoint, assumed, "ec2", "describe-vpcs", "--region", "eu-west-1",
            "--filters", "Name=tag:Name,Values=analytics-prod"))!;
        var vpc = vpcs["Vpcs"]!.AsArray().Single()!;
        vpc["OwnerId"]!.GetValue<string>().ShouldBe("222222222222");
        vpc["CidrBlock"]!.GetValue<string>().ShouldBe("10.20.0.0/16");

        up.Signal(UpProcess.SigTerm);
        (await up.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);
    }
}

/// <summary>Finds and runs the AWS CLI (v2 at /usr/bin/aws, else whichever `aws` is on PATH).</summary>
internal static class AwsCli
{
    public static string? Find() =>
        new[] { "/usr/bin/aws", "/usr/local/bin/aws" }.FirstOrDefault(File.Exists)
        ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "aws")).FirstOrDefault(File.Exists);

    public static Task<string> RunAsync(string aws, string endpoint, JsonNode? credentials, params string[] args)
    {
        var info = new ProcessStartInfo(aws) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--endpoint-url");
        info.ArgumentList.Add(endpoint);
        info.ArgumentList.Add("--output");
        info.ArgumentList.Add("json");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        Environ(info, credentials);
        return RunAsync(info);
    }

    public static Task<string> RunShellAsync(string commandLine)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(commandLine);
        Environ(info, null);
        return RunAsync(info);
    }

    private static void Environ(ProcessStartInfo info, JsonNode? credentials)
    {
        info.Environment["AWS_ACCESS_KEY_ID"] = credentials?["AccessKeyId"]?.GetValue<string>() ?? "testing";
        info.Environment["AWS_SECRET_ACCESS_KEY"] = credentials?["SecretAccessKey"]?.GetValue<string>() ?? "testing";
        if (credentials?["SessionToken"]?.GetValue<string>() is { } token)
        {
            info.Environment["AWS_SESSION_TOKEN"] = token;
        }
        info.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        info.Environment["AWS_PAGER"] = "";
        info.Environment.Remove("AWS_PROFILE");
    }

    private static async Task<string> RunAsync(ProcessStartInfo info)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        (process.ExitCode == 0).ShouldBeTrue($"{info.FileName} {string.Join(' ', info.ArgumentList)} failed: {await stderr}");
        return await stdout;
    }
}
