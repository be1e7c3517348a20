using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Aws;

/// <summary>
/// Finding lifecycle in its own DynamoDB table beside the request ledger (template.yaml
/// <c>FindingStateTable</c>), one item per finding keyed <c>pk = FINDING#&lt;findingId&gt;</c>. Open
/// findings carry <c>openScope</c> (<c>account#region</c>), which the sparse index <c>ByOpenScope</c>
/// lists; resolving removes it. Alert and resolve writes are conditional, so concurrent sweeps tell
/// people once.
/// </summary>
public sealed class DynamoDbFindingStore(IAmazonDynamoDB dynamo, string tableName) : IFindingStore
{
    public const string OpenScopeIndex = "ByOpenScope";

    public async Task<IReadOnlyList<FindingState>> OpenInScopeAsync(AccountRegion scope, CancellationToken ct = default)
    {
        var states = new List<FindingState>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await CallAsync("Query", c => dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                IndexName = OpenScopeIndex,
                KeyConditionExpression = "openScope = :s",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":s"] = S(Scope(scope.Account.Value, scope.Region.Value)) },
                ExclusiveStartKey = start,
            }, c), ct);
            states.AddRange((response.Items ?? []).Select(ToState));
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        // The index is eventually consistent: keep only what is still open by its own attributes.
        return states.Where(s => s.IsOpen).ToList();
    }

    public async Task<FindingState?> GetAsync(string findingId, CancellationToken ct = default)
    {
        var response = await CallAsync("GetItem", c => dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName, Key = Key(findingId), ConsistentRead = true,
        }, c), ct);
        return response.Item is { Count: > 0 } item ? ToState(item) : null;
    }

    public Task<bool> TryRecordNewAsync(ComplianceFinding finding, string sweepId, DateTimeOffset now, CancellationToken ct = default)
    {
        var item = new Dictionary<string, AttributeValue>(Key(finding.FindingId));
        foreach (var (name, value) in SeenAttributes(finding, now, now))
        {
            item[name] = value;
        }
        item["lastAlertedAt"] = S(Time(now));
        item["alertSweepId"] = S(sweepId);
        return ConditionalAsync("PutItem", c => dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(pk)",
        }, c), ct);
    }

    public async Task RecordSeenAsync(ComplianceFinding finding, DateTimeOffset firstSeen, DateTimeOffset now, CancellationToken ct = default)
    {
        var attributes = SeenAttributes(finding, firstSeen, now);
        await CallAsync("UpdateItem", c => dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName, Key = Key(finding.FindingId),
            UpdateExpression = "SET " + string.Join(", ", attributes.Keys.Select(name => $"#{name} = :{name}")) + " REMOVE resolvedAt",
            ExpressionAttributeNames = attributes.Keys.ToDictionary(name => "#" + name, name => name),
            ExpressionAttributeValues = attributes.ToDictionary(a => ":" + a.Key, a => a.Value),
        }, c), ct);
    }

    public async Task<bool> TryRecordAlertAsync(string findingId, DateTimeOffset? previous, string sweepId, DateTimeOffset now, CancellationToken ct = default)
    {
        var values = new Dictionary<string, AttributeValue> { [":now"] = S(Time(now)), [":sweep"] = S(sweepId) };
        var condition = "alertSweepId = :sweep OR ";
        if (previous is { } before)
        {
            condition += "lastAlertedAt = :before";
            values[":before"] = S(Time(before));
        }
        else
        {
            condition += "attribute_not_exists(lastAlertedAt)";
        }
        return await ConditionalAsync(new UpdateItemRequest
        {
            TableName = tableName, Key = Key(findingId),
            UpdateExpression = "SET lastAlertedAt = :now, alertSweepId = :sweep",
            ConditionExpression = condition,
            ExpressionAttributeValues = values,
        }, ct);
    }

    public Task<bool> TryResolveAsync(string findingId, DateTimeOffset now, CancellationToken ct = default) =>
        ConditionalAsync(new UpdateItemRequest
        {
            TableName = tableName, Key = Key(findingId),
            UpdateExpression = "SET resolvedAt = :now REMOVE openScope",
            ConditionExpression = "attribute_exists(pk) AND attribute_not_exists(resolvedAt)",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":now"] = S(Time(now)) },
        }, ct);

    public Task<bool> SuppressAsync(string findingId, DateTimeOffset until, string by, string reason, DateTimeOffset now, CancellationToken ct = default) =>
        ConditionalAsync(new UpdateItemRequest
        {
            TableName = tableName, Key = Key(findingId),
            UpdateExpression = "SET suppressedUntil = :until, suppressedBy = :by, suppressionReason = :reason, suppressedAt = :now",
            ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":until"] = S(Time(until)), [":by"] = S(by), [":reason"] = S(reason), [":now"] = S(Time(now)),
            },
        }, ct);

    private Task<bool> ConditionalAsync(UpdateItemRequest request, CancellationToken ct) =>
        ConditionalAsync("UpdateItem", c => dynamo.UpdateItemAsync(request, c), ct);

    /// <summary>A conditional write: true when it was made, false when its condition failed.</summary>
    private async Task<bool> ConditionalAsync<T>(string operation, Func<CancellationToken, Task<T>> write, CancellationToken ct)
    {
        try
        {
            await CallAsync(operation, write, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static FindingState ToState(Dictionary<string, AttributeValue> item) => new()
    {
        FindingId = Text(item, "findingId") ?? item["pk"].S["FINDING#".Length..],
        FindingType = Text(item, "findingType") ?? "",
        AccountId = Text(item, "accountId") ?? "",
        Region = Text(item, "region") ?? "",
        FirstSeen = When(item, "firstSeen") ?? DateTimeOffset.MinValue,
        LastSeen = When(item, "lastSeen") ?? DateTimeOffset.MinValue,
        LastAlertedAt = When(item, "lastAlertedAt"),
        AlertSweepId = Text(item, "alertSweepId"),
        ResolvedAt = When(item, "resolvedAt"),
        SuppressedUntil = When(item, "suppressedUntil"),
        SuppressedBy = Text(item, "suppressedBy"),
        SuppressionReason = Text(item, "suppressionReason"),
        Message = Text(item, "message"),
        VpcId = Text(item, "vpcId"),
        Severity = Text(item, "severity"),
    };

    /// <summary>What a sweep records of an open finding it saw (both writes of a seen finding set exactly these).</summary>
    private static Dictionary<string, AttributeValue> SeenAttributes(ComplianceFinding finding, DateTimeOffset firstSeen, DateTimeOffset now)
    {
        var attributes = new Dictionary<string, AttributeValue>
        {
            ["findingId"] = S(finding.FindingId), ["findingType"] = S(finding.FindingType), ["severity"] = S(finding.Severity),
            ["accountId"] = S(finding.AccountId.Value), ["region"] = S(finding.Region.Value),
            ["openScope"] = S(Scope(finding.AccountId.Value, finding.Region.Value)),
            ["firstSeen"] = S(Time(firstSeen)), ["lastSeen"] = S(Time(now)), ["message"] = S(finding.Message),
        };
        if (finding.VpcId is { } vpc)
        {
            attributes["vpcId"] = S(vpc.Value);
        }
        return attributes;
    }

    private static string Scope(string accountId, string region) => $"{accountId}#{region}";

    private static Dictionary<string, AttributeValue> Key(string findingId) => new() { ["pk"] = S("FINDING#" + findingId) };

    // Milliseconds, so two writes within one second still compare as different instants.
    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset? When(Dictionary<string, AttributeValue> item, string name) =>
        Text(item, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t : null;

    private static string? Text(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out var value) ? value.S : null;

    private static AttributeValue S(string value) => new() { S = value };

    private async Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call(ct);
        }
        catch (ConditionalCheckFailedException)
        {
            throw;
        }
        catch (AmazonServiceException e)
        {
            throw AwsErrorMapper.Map(e, operation, $"table {tableName}");
        }
    }
}
