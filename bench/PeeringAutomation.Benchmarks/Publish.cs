using System.Diagnostics;

namespace PeeringAutomation.Benchmarks;

/// <summary>Runs <c>dotnet publish</c> for the package and cold-start benchmarks.</summary>
internal static class Publish
{
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PeeringAutomation.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("PeeringAutomation.sln not found above the benchmark binaries");
    }

    /// <summary>Publishes a project (relative to the repository) for a runtime into a fresh folder and returns it.</summary>
    public static async Task<string> RunAsync(string project, string runtime, bool readyToRun, TextWriter log, bool reuse = false)
    {
        var output = Path.Combine(Path.GetTempPath(), $"peering-publish-{Path.GetFileNameWithoutExtension(project)}-{runtime}-{(readyToRun ? "r2r" : "il")}");
        if (reuse && Directory.Exists(output))
        {
            log.WriteLine($"reusing {output} (--reuse)");
            return output;
        }
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "publish", project, "-c", "Release", "-r", runtime, "--self-contained", "false", $"-p:PublishReadyToRun={readyToRun}", "-o", output })
        {
            start.ArgumentList.Add(arg);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} -r {runtime} failed:\n{await stdout}\n{await stderr}");
        }
        log.WriteLine($"published {project} for {runtime} ({(readyToRun ? "ReadyToRun" : "IL only")}) in {clock.Elapsed.TotalSeconds:F0} s → {output}");
        return output;
    }
}
