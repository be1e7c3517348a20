using System.Diagnostics;
using System.Globalization;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// CPU time (user + system) of this process and of the moto it started, read from /proc: on a
/// shared, loaded machine wall times say more about the neighbours than about us; CPU times do not.
/// </summary>
public sealed record ProcessCpu(TimeSpan Host, TimeSpan Moto)
{
    public static ProcessCpu Now()
    {
        using var self = Process.GetCurrentProcess();
        var moto = TimeSpan.Zero;
        if (Directory.Exists("/proc"))
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                var stat = Path.Combine(dir, "stat");
                try
                {
                    // pid (comm) state ppid ... utime(14) stime(15), in clock ticks (100 per second).
                    var text = File.ReadAllText(stat);
                    var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                    if (fields[1] == self.Id.ToString(CultureInfo.InvariantCulture) && text.Contains("(python", StringComparison.Ordinal))
                    {
                        moto += TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
                {
                }
            }
        }
        return new ProcessCpu(self.TotalProcessorTime, moto);
    }

    public static ProcessCpu operator -(ProcessCpu after, ProcessCpu before) => new(after.Host - before.Host, after.Moto - before.Moto);

    public override string ToString() => $"CPU: host {Host.TotalSeconds:F1} s, moto {Moto.TotalSeconds:F1} s";
}
