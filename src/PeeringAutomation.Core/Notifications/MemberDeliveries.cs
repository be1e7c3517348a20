using System.Text.Json;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Core.Notifications;

/// <summary>
/// Which member accounts an outcome, approval request or finding concerns: the accounts named by
/// its <c>requester</c>, <c>accepter</c> and <c>accountId</c>, when managed and not the hub (the hub
/// reads its own bus). Each gets a copy on its default bus, where the team subscribes with a rule.
/// </summary>
public static class MemberDeliveries
{
    public static IReadOnlyList<string> AccountsConcerned(JsonElement detail, PeeringPolicy policy, string hubAccount)
    {
        if (detail.ValueKind != JsonValueKind.Object)
        {
            return [];
        }
        var named = new[] { Text(detail, "requester", "accountId"), Text(detail, "accepter", "accountId"), Text(detail, "accountId") };
        return named.OfType<string>()
            .Where(a => a != hubAccount && policy.ManagedAccounts.Any(m => m.Value == a))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }
}
