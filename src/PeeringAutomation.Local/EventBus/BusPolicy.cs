using System.Text.Json.Nodes;

namespace PeeringAutomation.Local.EventBus;

/// <summary>The answer for one PutEvents entry: allowed, or the per-entry error EventBridge returns.</summary>
public sealed record EntryDecision(bool Allowed, string? ErrorCode = null, string? ErrorMessage = null)
{
    public static EntryDecision Allow { get; } = new(true);
}

/// <summary>
/// A bus's resource policy, evaluated the way EventBridge does for PutEvents: an explicit Deny
/// wins; the bus owner's own principals are allowed by their identity policies; anyone else needs
/// an Allow whose principal and conditions match. A denied source is
/// <c>NotAuthorizedForSourceException</c>, a principal no statement allows <c>AccessDeniedException</c>.
/// Supports what the template uses: <c>Principal</c> (<c>*</c> or account ids), <c>StringEquals</c>,
/// <c>ForAllValues:StringEquals</c>, <c>ForAnyValue:StringEquals</c>, <c>Null</c>, <c>ArnLike</c>,
/// <c>ArnNotLike</c> on <c>events:source</c>, <c>events:detail-type</c>, <c>aws:PrincipalArn</c>,
/// <c>aws:PrincipalAccount</c> and <c>aws:PrincipalOrgID</c> (the local world has no organisation).
/// </summary>
public sealed class BusPolicy(string busAccount, string busName, IReadOnlyList<JsonObject> statements)
{
    public string BusAccount => busAccount;

    public string BusName => busName;

    public EntryDecision Decide(Caller caller, string? source, string? detailType)
    {
        var context = new Dictionary<string, string?>
        {
            ["events:source"] = source,
            ["events:detail-type"] = detailType,
            ["aws:PrincipalArn"] = caller.PrincipalArn,
            ["aws:PrincipalAccount"] = caller.Account,
            ["aws:PrincipalOrgID"] = null,
        };
        foreach (var statement in statements.Where(s => Effect(s) == "Deny" && PrincipalMatches(s, caller) && ConditionsHold(s, context)))
        {
            return new EntryDecision(false, "NotAuthorizedForSourceException",
                $"Not authorized for the source {source} (denied by the bus policy statement {statement["Sid"]?.GetValue<string>()})");
        }
        if (caller.Account == busAccount)
        {
            return EntryDecision.Allow;
        }
        var forCaller = statements.Where(s => Effect(s) == "Allow" && PrincipalMatches(s, caller) && OrganizationHolds(s)).ToList();
        if (forCaller.Count == 0)
        {
            return new EntryDecision(false, "AccessDeniedException",
                $"User: {caller.PrincipalArn} is not authorized to perform: events:PutEvents on resource: arn:aws:events:::event-bus/{busName} " +
                "because no resource-based policy allows the events:PutEvents action");
        }
        return forCaller.Any(s => ConditionsHold(s, context))
            ? EntryDecision.Allow
            : new EntryDecision(false, "NotAuthorizedForSourceException", $"Not authorized for the source {source} and detail type {detailType}");
    }

    private static string? Effect(JsonObject statement) => statement["Effect"]?.GetValue<string>();

    private static bool PrincipalMatches(JsonObject statement, Caller caller)
    {
        var principal = statement["Principal"];
        if (principal is JsonValue value && value.GetValue<string>() == "*")
        {
            return true;
        }
        var aws = principal?["AWS"];
        var listed = aws is JsonArray array ? array.Select(a => a!.GetValue<string>()) : aws is JsonValue one ? [one.GetValue<string>()] : [];
        return listed.Any(p => p == "*" || p == caller.Account || p == $"arn:aws:iam::{caller.Account}:root" || p == caller.PrincipalArn);
    }

    // The local world has no organisation: a statement that requires one never allows.
    private static bool OrganizationHolds(JsonObject statement) =>
        statement["Condition"] is not JsonObject conditions
        || !conditions.Any(c => c.Value is JsonObject keys && keys.ContainsKey("aws:PrincipalOrgID"));

    private static bool ConditionsHold(JsonObject statement, IReadOnlyDictionary<string, string?> context)
    {
        if (statement["Condition"] is not JsonObject conditions)
        {
            return true;
        }
        foreach (var (op, node) in conditions)
        {
            foreach (var (key, expected) in node as JsonObject ?? [])
            {
                if (key == "aws:PrincipalOrgID")
                {
                    continue;
                }
                var actual = context.GetValueOrDefault(key);
                var values = expected is JsonArray list ? list.Select(v => v!.ToString()).ToList() : [expected!.ToString()];
                var holds = op switch
                {
                    "StringEquals" or "ForAllValues:StringEquals" or "ForAnyValue:StringEquals" => actual is not null && values.Contains(actual),
                    "StringNotEquals" => actual is null || !values.Contains(actual),
                    "Null" => (actual is null) == (values[0] == "true"),
                    "ArnLike" => actual is not null && values.Any(v => ArnLike(actual, v)),
                    "ArnNotLike" => actual is null || !values.Any(v => ArnLike(actual, v)),
                    _ => throw new NotSupportedException($"bus policy condition operator {op} is not supported by the local stack"),
                };
                if (!holds)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool ArnLike(string arn, string pattern) =>
        System.Text.RegularExpressions.Regex.IsMatch(arn,
            "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$");
}
