using System.Diagnostics;

namespace PeeringAutomation.Moto;

/// <summary>
/// Finds a Python interpreter that can import moto's server: the <c>PEERING_AUTOMATION_PYTHON</c>
/// override, then <c>python3</c>/<c>python</c> on PATH, then pyenv's installed versions. A Python
/// found on the PATH is returned as the interpreter itself (<c>sys.executable</c>), not the launcher
/// in front of it: pyenv's <c>python3</c> shim is a shell script that costs each moto start 0.4 s of
/// CPU before Python runs. An override is used as given (it may be a wrapper that sets up Python).
/// </summary>
public static class PythonLocator
{
    public const string OverrideVariable = "PEERING_AUTOMATION_PYTHON";

    private static readonly Lazy<string> Found = new(() => Locate(Environment.GetEnvironmentVariable(OverrideVariable)));

    /// <summary>The interpreter's path; throws <see cref="MotoUnavailable"/> when none can run moto.</summary>
    public static string Python => Found.Value;

    internal static string Locate(string? overridden, string? path = null)
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates(overridden, path ?? Environment.GetEnvironmentVariable("PATH") ?? ""))
        {
            tried.Add(candidate);
            if (InterpreterThatImportsMoto(candidate) is { } interpreter)
            {
                return string.IsNullOrWhiteSpace(overridden) ? interpreter : candidate;
            }
        }
        throw new MotoUnavailable(
            "No Python that can run moto's server was found (tried: " + string.Join(", ", tried) + "). " +
            "Install it with: python3 -m pip install \"moto[server]\" — or point " + OverrideVariable +
            " at a Python that has it.");
    }

    private static IEnumerable<string> Candidates(string? overridden, string path)
    {
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            // An explicit choice is the only candidate: silently falling back would hide a typo.
            yield return overridden;
            yield break;
        }
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "python3", "python" })
            {
                var file = Path.Combine(dir, name);
                if (File.Exists(file))
                {
                    yield return file;
                }
            }
        }
        var pyenvRoot = Environment.GetEnvironmentVariable("PYENV_ROOT")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv");
        var versions = Path.Combine(pyenvRoot, "versions");
        if (Directory.Exists(versions))
        {
            foreach (var version in Directory.GetDirectories(versions).OrderDescending())
            {
                var file = Path.Combine(version, "bin", "python3");
                if (File.Exists(file))
                {
                    yield return file;
                }
            }
        }
    }

    /// <summary>
    /// The interpreter behind <paramref name="python"/> when it can import moto's server (the
    /// candidate itself when it names none that exists), else null.
    /// </summary>
    private static string? InterpreterThatImportsMoto(string python)
    {
        try
        {
            var info = new ProcessStartInfo(python, ["-c", "import moto.server, sys; print(sys.executable)"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(info);
            if (process is null)
            {
                return null;
            }
            var printed = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            if (process.ExitCode != 0)
            {
                return null;
            }
            var executable = printed.Result.Trim();
            return executable.Length > 0 && File.Exists(executable) ? executable : python;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}

/// <summary>moto cannot be started on this machine.</summary>
public sealed class MotoUnavailable(string message) : Exception(message);
