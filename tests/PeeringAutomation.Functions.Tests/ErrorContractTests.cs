using System.Text.Json.Nodes;
using PeeringAutomation.Core;

namespace PeeringAutomation.Functions.Tests;

/// <summary>
/// The error contract is two-way: the README's table lists every error type the code throws as
/// retried (by exactly the states it names) or deliberately not, and every state machine's
/// <c>Retry</c> blocks say the same. A type thrown but retried nowhere (PeeringNotReady once was)
/// or a Retry the table does not explain fails here.
/// </summary>
public sealed partial class ErrorContractTests
{
    [System.Text.RegularExpressions.GeneratedRegex("\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex QuotedName();

    private readonly TemplateModel template = new();

    private sealed record Row(string Error, bool Retried, IReadOnlySet<string> By);

    /// <summary>The rows of the README's error table: `Name` | retried / not retried | machine: "State", "State"; machine: … | why.</summary>
    private IReadOnlyList<Row> Table()
    {
        var lines = File.ReadAllLines(Path.Combine(template.RepositoryRoot, "README.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("| error | retried |", StringComparison.Ordinal));
        start.ShouldBeGreaterThan(-1, "README.md has no error table (| error | retried | by … | why |)");
        return lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|')).Select(line =>
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            var by = cells[3] == "—"
                ? []
                : cells[3].Split(';').SelectMany(part =>
                {
                    var machine = part[..part.IndexOf(':', StringComparison.Ordinal)].Trim();
                    return QuotedName().Matches(part).Select(m => $"{machine}: {m.Groups[1].Value}");
                }).ToHashSet();
            return new Row(cells[1].Trim('`'), cells[2] == "retried", by);
        }).ToList();
    }

    /// <summary>Every custom error name in a Retry, with the "machine: state" pairs that retry it.</summary>
    private Dictionary<string, HashSet<string>> RetriedInAsl()
    {
        var retried = new Dictionary<string, HashSet<string>>();
        foreach (var file in Directory.GetFiles(Path.Combine(template.RepositoryRoot, "statemachines"), "*.asl.json"))
        {
            var machine = Path.GetFileName(file).Replace(".asl.json", "", StringComparison.Ordinal);
            Walk(JsonNode.Parse(File.ReadAllText(file))!["States"]!.AsObject(), machine, retried);
        }
        return retried;
    }

    private static void Walk(JsonObject states, string machine, Dictionary<string, HashSet<string>> retried)
    {
        foreach (var (name, state) in states)
        {
            foreach (var retry in state!["Retry"]?.AsArray() ?? [])
            {
                foreach (var error in retry!["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>())
                             .Where(e => !e.StartsWith("States.", StringComparison.Ordinal) && !e.StartsWith("Lambda.", StringComparison.Ordinal)))
                {
                    (retried.TryGetValue(error, out var set) ? set : retried[error] = []).Add($"{machine}: {name}");
                }
            }
            var nested = (state["ItemProcessor"] ?? state["Iterator"])?["States"]?.AsObject();
            if (nested is not null)
            {
                Walk(nested, machine, retried);
            }
            foreach (var branch in state["Branches"]?.AsArray() ?? [])
            {
                Walk(branch!["States"]!.AsObject(), machine, retried);
            }
        }
    }

    [Fact]
    public void ErrorTable_ListsEveryErrorTypeOnceGivenErrorsCs()
    {
        var types = typeof(PeeringAutomationError).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(PeeringAutomationError)) && !t.IsAbstract).Select(t => t.Name).Order().ToList();

        var rows = Table().Select(r => r.Error).ToList();

        rows.Order().ToList().ShouldBe(types, customMessage: "each error type in Errors.cs once in the README table, and no other");
    }

    [Fact]
    public void ErrorTable_MatchesEveryRetryGivenEveryStateMachine()
    {
        var table = Table();
        var asl = RetriedInAsl();

        foreach (var row in table)
        {
            var actual = asl.GetValueOrDefault(row.Error) ?? [];
            if (row.Retried)
            {
                row.By.ShouldNotBeEmpty($"{row.Error} is marked retried but names no state");
                actual.Order().ToList().ShouldBe(row.By.Order().ToList(), customMessage: $"the states that retry {row.Error} (README table vs ASL)");
            }
            else
            {
                actual.ShouldBeEmpty($"{row.Error} is marked not retried in the README, but these states retry it");
            }
        }
        asl.Keys.Except(table.Select(r => r.Error)).ShouldBeEmpty("errors retried in the ASL that the README table does not list");
    }

    [Fact]
    public void ErrorTable_RetriesEveryNotYetErrorGivenTheStatesThatThrowIt()
    {
        var table = Table().ToDictionary(r => r.Error);

        // "Not yet" and "try again" errors must be retried by the states that can see them.
        table[nameof(PeeringNotReady)].By.ShouldBe(
            ["provision-peering: Create peering", "provision-peering: Accept peering", "provision-peering: Allow DNS resolution"], ignoreOrder: true);
        table[nameof(AwsThrottled)].Retried.ShouldBeTrue();
        table[nameof(AwsTransientFailure)].Retried.ShouldBeTrue();
    }
}
