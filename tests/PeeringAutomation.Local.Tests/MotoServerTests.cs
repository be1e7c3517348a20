using PeeringAutomation.Moto;

namespace PeeringAutomation.Local.Tests;

public sealed class MotoServerTests
{
    [Fact]
    public async Task MotoServerStartAsync_AnswersAndLeavesNoProcessGivenDispose()
    {
        var server = await MotoServer.StartAsync();
        using var http = new HttpClient();
        (await http.GetAsync(new Uri(server.Endpoint, "/moto-api/data.json"))).IsSuccessStatusCode.ShouldBeTrue();

        await server.DisposeAsync();

        MotoProcessesOnPort(server.Port).ShouldBeEmpty();
    }

    [Fact]
    public async Task MotoServerStartAsync_RefusesAPortAnotherMotoAnswersOn()
    {
        // The race of parallel test projects: the port chosen is bound by someone else's moto first.
        await using var theirs = await MotoServer.StartAsync();

        var error = await Should.ThrowAsync<MotoUnavailable>(() => MotoServer.StartAsync(theirs.Port));

        error.Message.ShouldContain("in use");
        MotoProcessesOnPort(theirs.Port).Count.ShouldBe(1, "only theirs is left");
    }

    [Fact]
    public void PythonLocatorLocate_FailsWithInstallHintGivenAnOverrideWithoutMoto()
    {
        // An explicit override is the only candidate: a Python without moto must be refused, not skipped.
        var error = Should.Throw<MotoUnavailable>(() => PythonLocator.Locate("/bin/false"));
        error.Message.ShouldContain("pip install \"moto[server]\"");
        error.Message.ShouldContain("/bin/false");
    }

    [Fact]
    public void PythonLocatorLocate_ReturnsTheInterpreterBehindALauncherOnThePathButAnOverrideAsGiven()
    {
        // pyenv's python3 is a shell script in front of the interpreter: moto is started with the
        // interpreter itself, not through the script (0.4 s of CPU a start). An override may be a
        // wrapper that prepares the interpreter's environment: it is kept.
        if (OperatingSystem.IsWindows())
        {
            return; // the tests run moto on Linux only
        }
        var interpreter = PythonLocator.Python;
        var launcher = Path.Combine(Directory.CreateTempSubdirectory("python-launcher-").FullName, "python3");
        File.WriteAllText(launcher, $"#!/bin/sh\nexec '{interpreter}' \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            PythonLocator.Locate(null, Path.GetDirectoryName(launcher)).ShouldBe(interpreter);
            PythonLocator.Locate(launcher).ShouldBe(launcher);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(launcher)!, recursive: true);
        }
    }

    internal static IReadOnlyList<string> MotoProcessesOnPort(int port) =>
        Directory.GetDirectories("/proc")
            .Select(dir => Path.Combine(dir, "cmdline"))
            .Where(File.Exists)
            .Select(file => { try { return File.ReadAllText(file).Replace('\0', ' '); } catch (IOException) { return ""; } })
            .Where(cmd => cmd.Contains("moto.server") && cmd.Contains($"-p {port} "))
            .ToList();
}
