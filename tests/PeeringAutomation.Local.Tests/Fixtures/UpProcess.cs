using System.Diagnostics;
using System.Text;

namespace PeeringAutomation.Local.Tests.Fixtures;

/// <summary>`PeeringAutomation.Local up` as a child process, as a user runs it.</summary>
public sealed class UpProcess : IDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    private readonly Process process;
    private readonly StringBuilder output = new();

    private UpProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet PeeringAutomation.Local.dll up args…</c> from the test's output folder.</summary>
    public static UpProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PeeringAutomation.Local.dll"));
        info.ArgumentList.Add("up");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // A wide console keeps Spectre's tables and the printed command lines on one line each.
        info.Environment["COLUMNS"] = "400";
        // As for the test hosts (tests/Directory.Build.props): a short-lived process spends more CPU
        // on dynamic PGO's instrumented code than it wins back.
        info.Environment["DOTNET_TieredPGO"] = "0";
        return new UpProcess(Process.Start(info)!);
    }

    /// <summary>Waits for <paramref name="text"/> in the output (or the process to exit).</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
            if (process.HasExited)
            {
                return Output.Contains(text, StringComparison.Ordinal);
            }
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>The pids of this process's direct children (moto's Python).</summary>
    public IReadOnlyList<int> Children() => ChildrenOf(process.Id);

    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString()]);
        kill.WaitForExit();
        kill.ExitCode.ShouldBe(0);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    public static IReadOnlyList<int> ChildrenOf(int pid) =>
        Directory.GetDirectories("/proc")
            .Select(d => Path.GetFileName(d))
            .Where(n => n.All(char.IsAsciiDigit))
            .Select(n =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{n}/stat");
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    return (Pid: int.Parse(n), Parent: int.Parse(fields[1]));
                }
                catch (IOException)
                {
                    return (Pid: 0, Parent: -1);
                }
            })
            .Where(p => p.Parent == pid)
            .Select(p => p.Pid)
            .ToList();

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
