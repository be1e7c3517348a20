using System.Globalization;
using System.Text.Json.Nodes;
using Cronos;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Deploy;

namespace PeeringAutomation.Local.Bridge;

/// <summary>
/// Fires the template's schedule rules from the host (moto stores schedules but never fires them):
/// <c>rate(...)</c> on a timer and <c>cron(...)</c> through Cronos, with the Scheduled Event
/// envelope EventBridge sends. <see cref="FireAsync"/> fires one on demand (tests, demo, the
/// <c>POST /local/schedules/{rule}/fire</c> endpoint).
/// </summary>
public sealed partial class ScheduleRunner(StackPlan plan, TargetDispatcher dispatcher, ILogger<ScheduleRunner> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> timers = [];

    /// <summary>The schedule rules of the stack.</summary>
    public IEnumerable<RulePlan> Schedules => plan.Rules.Where(r => r.Schedule is not null);

    /// <summary>Starts a timer for each enabled schedule rule.</summary>
    public void Start()
    {
        foreach (var rule in Schedules.Where(r => r.Enabled))
        {
            var schedule = ScheduleExpression.Parse(rule.Schedule!);
            timers.Add(Task.Run(() => RunAsync(rule, schedule, stopping.Token)));
        }
    }

    /// <summary>Fires a schedule rule now; returns the event id, or null when there is no such schedule.</summary>
    public async Task<string?> FireAsync(string ruleName, CancellationToken ct)
    {
        var rule = Schedules.FirstOrDefault(r => r.Name == ruleName);
        if (rule is null)
        {
            return null;
        }
        var id = Guid.NewGuid().ToString();
        var envelope = new JsonObject
        {
            ["version"] = "0",
            ["id"] = id,
            ["detail-type"] = "Scheduled Event",
            ["source"] = "aws.events",
            ["account"] = plan.AccountId,
            ["time"] = Core.Ledger.LedgerTime.Of(DateTimeOffset.UtcNow),
            ["region"] = plan.Region,
            ["resources"] = new JsonArray(rule.Arn),
            ["detail"] = new JsonObject(),
        };
        foreach (var target in rule.Targets)
        {
            await dispatcher.DeliverAsync(target, TargetInput.For(target, envelope), id, ct);
        }
        LogFired(rule.Name, id);
        return id;
    }

    private async Task RunAsync(RulePlan rule, ScheduleExpression schedule, CancellationToken ct)
    {
        var from = DateTime.UtcNow;
        while (!ct.IsCancellationRequested)
        {
            var next = schedule.Next(from);
            if (next is null)
            {
                return;
            }
            var wait = next.Value - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            if (ct.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await FireAsync(rule.Name, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFireFailed(e, rule.Name);
            }
            from = next.Value;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(timers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Rule} fired event {EventId}")]
    private partial void LogFired(string rule, string eventId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule {Rule} failed to fire")]
    private partial void LogFireFailed(Exception e, string rule);
}

/// <summary>An EventBridge schedule expression: <c>rate(N unit)</c> or 6-field <c>cron(...)</c> in UTC.</summary>
public sealed record ScheduleExpression
{
    private TimeSpan? Rate { get; init; }
    private CronExpression? Cron { get; init; }
    private (int From, int To)? Years { get; init; }

    /// <summary>The next firing strictly after <paramref name="after"/> (UTC), or null when there is none.</summary>
    public DateTime? Next(DateTime after)
    {
        if (Rate is { } rate)
        {
            return after + rate;
        }
        var next = Cron!.GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Utc));
        while (next is { } n && Years is { } y && (n.Year < y.From || n.Year > y.To))
        {
            next = n.Year > y.To ? null : Cron.GetNextOccurrence(n);
        }
        return next;
    }

    /// <summary>Parses; throws <see cref="FormatException"/> naming the expression and the problem.</summary>
    public static ScheduleExpression Parse(string expression)
    {
        var text = expression.Trim();
        if (text.StartsWith("rate(", StringComparison.Ordinal) && text.EndsWith(')'))
        {
            var parts = text[5..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var n) || n <= 0)
            {
                throw new FormatException($"schedule '{expression}': expected rate(N unit)");
            }
            var unit = parts[1] switch
            {
                "minute" when n == 1 => TimeSpan.FromMinutes(1),
                "minutes" when n > 1 => TimeSpan.FromMinutes(n),
                "hour" when n == 1 => TimeSpan.FromHours(1),
                "hours" when n > 1 => TimeSpan.FromHours(n),
                "day" when n == 1 => TimeSpan.FromDays(1),
                "days" when n > 1 => TimeSpan.FromDays(n),
                _ => throw new FormatException($"schedule '{expression}': unit must be minute(s), hour(s) or day(s), singular only for 1"),
            };
            return new ScheduleExpression { Rate = unit };
        }
        if (text.StartsWith("cron(", StringComparison.Ordinal) && text.EndsWith(')'))
        {
            var fields = text[5..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 6)
            {
                throw new FormatException($"schedule '{expression}': EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year)");
            }
            (int, int)? years = fields[5] switch
            {
                "*" => null,
                var y when y.Split('-') is [var a, var b] => (int.Parse(a, CultureInfo.InvariantCulture), int.Parse(b, CultureInfo.InvariantCulture)),
                var y when int.TryParse(y, CultureInfo.InvariantCulture, out var single) => (single, single),
                _ => throw new FormatException($"schedule '{expression}': only *, a year or a range of years is supported locally in the year field"),
            };
            // EventBridge numbers days of the week 1-7 from Sunday; Cronos 0-6.
            var dayOfWeek = System.Text.RegularExpressions.Regex.Replace(fields[4], @"(?<![#\d])([1-7])(?!\d)", m => (int.Parse(m.Value, CultureInfo.InvariantCulture) - 1).ToString(CultureInfo.InvariantCulture));
            var cron = $"{fields[0]} {fields[1]} {fields[2]} {fields[3]} {dayOfWeek}";
            try
            {
                return new ScheduleExpression { Cron = CronExpression.Parse(cron), Years = years };
            }
            catch (CronFormatException e)
            {
                throw new FormatException($"schedule '{expression}': {e.Message}");
            }
        }
        throw new FormatException($"schedule '{expression}': expected rate(...) or cron(...)");
    }
}
