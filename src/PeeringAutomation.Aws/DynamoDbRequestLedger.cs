using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Requests;

namespace PeeringAutomation.Aws;

/// <summary>
/// The request ledger in one DynamoDB table keyed by <c>pk</c> alone, with three kinds of item:
/// <c>REQUEST#&lt;requestId&gt;</c> (the record), <c>PAIR#&lt;vpc&gt;#&lt;vpc&gt;</c> (the pair lock, VPC ids
/// sorted) and <c>PEERING#&lt;pcx&gt;</c> (peering id → request id, for consistent lookups). Records
/// carry flat attributes for the indexes people query (template.yaml lists them). Reads the code
/// decides on are strongly consistent; only the expiry sweep reads an index. Changes of a live
/// peering are a fourth kind, <c>CHANGE#&lt;requestId&gt;#&lt;changeId&gt;</c>, written in one transaction
/// with the request's <c>changeInProgress</c> marker and <c>version</c> (optimistic lock).
/// </summary>
public sealed class DynamoDbRequestLedger(IAmazonDynamoDB dynamo, string tableName) : IRequestLedger
{
    public const string ExpiryIndex = "ByExpiry";
    public const string StatusIndex = "ByStatus";
    private const string LiveMarker = "live";
    private const string ConditionalCheckFailed = "ConditionalCheckFailed";

    public async Task<ClaimOutcome> ClaimAsync(RequestRecord record, CancellationToken ct = default)
    {
        try
        {
            await TransactAsync("TransactWriteItems(claim)", [PutNew(record), new TransactWriteItem { Put = NewLock(record) }], ct);
            return new ClaimOutcome(ClaimResult.Claimed);
        }
        catch (TransactionCanceledException e)
        {
            return await ExplainAsync(record, e, ct);
        }
    }

    public async Task<ClaimOutcome> TakeOverAsync(RequestRecord record, PairLock stale, CancellationToken ct = default)
    {
        var replace = NewLock(record);
        replace.ConditionExpression = "#owner = :oldOwner AND since = :oldSince";
        replace.ExpressionAttributeNames = new Dictionary<string, string> { ["#owner"] = "owner" };
        replace.ExpressionAttributeValues = new Dictionary<string, AttributeValue>
        {
            [":oldOwner"] = S(stale.Owner.Value), [":oldSince"] = S(stale.Since),
        };
        try
        {
            await TransactAsync("TransactWriteItems(take over)", [PutNew(record), new TransactWriteItem { Put = replace }], ct);
            return new ClaimOutcome(ClaimResult.Claimed);
        }
        catch (TransactionCanceledException e)
        {
            var outcome = await ExplainAsync(record, e, ct);
            // The stale lock went away in between: claim as if it had never been there.
            return outcome is { Result: ClaimResult.PairLocked, Lock: null } ? await ClaimAsync(record, ct) : outcome;
        }
    }

    public async Task<bool> PutAsync(RequestRecord record, CancellationToken ct = default)
    {
        var writes = new List<TransactWriteItem> { PutNew(record) };
        if (record.PeeringId is { } peering)
        {
            writes.Add(new TransactWriteItem { Put = new Put { TableName = tableName, Item = Alias(peering, record.RequestId) } });
        }
        try
        {
            await TransactAsync("TransactWriteItems(put)", writes, ct);
            return true;
        }
        catch (TransactionCanceledException e) when (Failed(e, 0))
        {
            return false;
        }
    }

    public async Task<RequestRecord?> GetAsync(RequestId id, CancellationToken ct = default)
    {
        var item = await GetItemAsync(RequestKey(id), ct);
        return item is null ? null : ToRecord(item);
    }

    public async Task<PairLock?> GetPairLockAsync(VpcPair pair, CancellationToken ct = default)
    {
        var item = await GetItemAsync(PairKey(pair), ct);
        return item is null ? null : new PairLock(pair, RequestId.Parse(item["owner"].S), Text(item, "executionArn"), item["since"].S);
    }

    public async Task<bool> RecordAsync(RequestId id, StatusChange change, CancellationToken ct = default)
    {
        var update = StatusUpdate(id, change);
        if (change.ReleasePair is not { } pair)
        {
            return await UpdateIgnoringDoneAsync(update, ct);
        }
        var release = new Delete
        {
            TableName = tableName,
            Key = PairKey(pair),
            ConditionExpression = "#owner = :owner",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#owner"] = "owner" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":owner"] = S(id.Value) },
        };
        try
        {
            await TransactAsync("TransactWriteItems(status)", [new TransactWriteItem { Update = update }, new TransactWriteItem { Delete = release }], ct);
            return true;
        }
        catch (TransactionCanceledException e) when (!Failed(e, 0) && Failed(e, 1))
        {
            // The lock is not ours (never taken, or taken over since): record the status alone.
            return await UpdateIgnoringDoneAsync(update, ct);
        }
        catch (TransactionCanceledException e) when (Failed(e, 0))
        {
            // Already in that status (an earlier attempt wrote it), or not in the expected one.
            return false;
        }
    }

    public async Task<IReadOnlyList<RequestRecord>> ApprovalsPastDeadlineAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var items = await QueryAllAsync("Query(ByStatus)", new QueryRequest
        {
            TableName = tableName,
            IndexName = StatusIndex,
            KeyConditionExpression = "#status = :waiting",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":waiting"] = S(LedgerStatus.AwaitingApproval) },
        }, ct);
        return items.Select(ToRecord).Where(r => r.ApprovalDeadline is { } deadline && deadline <= now).ToList();
    }

    public async Task RecordPeeringAsync(RequestId id, PeeringConnectionId peering, CancellationToken ct = default)
    {
        var update = new Update
        {
            TableName = tableName,
            Key = RequestKey(id),
            UpdateExpression = "SET peeringId = :peering, updatedAt = :now",
            ConditionExpression = "attribute_exists(pk) AND (attribute_not_exists(peeringId) OR peeringId = :peering)",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":peering"] = S(peering.Value), [":now"] = S(LedgerTime.Of(DateTimeOffset.UtcNow)),
            },
        };
        try
        {
            await TransactAsync("TransactWriteItems(peering)",
                [new TransactWriteItem { Update = update }, new TransactWriteItem { Put = new Put { TableName = tableName, Item = Alias(peering, id) } }], ct);
        }
        catch (TransactionCanceledException e) when (Failed(e, 0))
        {
            var record = await GetAsync(id, ct);
            throw new PeeringConflict(record is null
                ? $"the ledger has no request {id} to record peering {peering} for"
                : $"request {id} already recorded peering {record.PeeringId}; not recording {peering}");
        }
    }

    public async Task<RequestRecord?> FindByPeeringAsync(PeeringConnectionId peering, CancellationToken ct = default)
    {
        var alias = await GetItemAsync(PeeringKey(peering), ct);
        return alias is null ? null : await GetAsync(RequestId.Parse(alias["requestId"].S), ct);
    }

    public async Task<IReadOnlyDictionary<PeeringConnectionId, RequestId>> KnownPeeringsAsync(
        IReadOnlyCollection<PeeringConnectionId> peerings, CancellationToken ct = default)
    {
        var known = new Dictionary<PeeringConnectionId, RequestId>();
        foreach (var batch in peerings.Distinct().Chunk(100))
        {
            var keys = new KeysAndAttributes { Keys = batch.Select(PeeringKey).ToList(), ConsistentRead = true };
            var pending = new Dictionary<string, KeysAndAttributes> { [tableName] = keys };
            for (var round = 0; pending.Count > 0 && pending.GetValueOrDefault(tableName)?.Keys?.Count > 0; round++)
            {
                if (round > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50 << Math.Min(round, 6)), ct);
                }
                var response = await CallAsync("BatchGetItem", c => dynamo.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = pending }, c), ct);
                foreach (var item in response.Responses?.GetValueOrDefault(tableName) ?? [])
                {
                    known[PeeringConnectionId.Parse(item["pk"].S["PEERING#".Length..])] = RequestId.Parse(item["requestId"].S);
                }
                pending = response.UnprocessedKeys ?? [];
            }
        }
        return known;
    }

    public async Task<IReadOnlyList<RequestRecord>> ExpiredAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var items = await QueryAllAsync("Query(ByExpiry)", new QueryRequest
        {
            TableName = tableName,
            IndexName = ExpiryIndex,
            KeyConditionExpression = "expiryIndex = :live AND expiresAt <= :now",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":live"] = S(LiveMarker), [":now"] = S(LedgerTime.Of(now)) },
        }, ct);
        return items.Select(ToRecord).Where(r => r.IsLive).ToList();
    }

    public async Task<IReadOnlyList<RequestRecord>> ListByStatusAsync(IReadOnlyCollection<string> statuses, CancellationToken ct = default)
    {
        if (statuses.Count == 0)
        {
            return [];
        }
        // A Scan, not the status indexes: those are keyed by account, and the mesh wants every account.
        // Only request items pass the filter (pair locks and peering entries have no status).
        var values = new Dictionary<string, AttributeValue> { [":request"] = S("REQUEST#") };
        var names = statuses.Select((status, i) => (Name: $":s{i}", Status: status)).ToList();
        foreach (var (name, status) in names)
        {
            values[name] = S(status);
        }
        var records = new List<RequestRecord>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await CallAsync("Scan", c => dynamo.ScanAsync(new ScanRequest
            {
                TableName = tableName,
                FilterExpression = $"begins_with(pk, :request) AND #status IN ({string.Join(", ", names.Select(n => n.Name))})",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
                ExpressionAttributeValues = values,
                ExclusiveStartKey = start,
            }, c), ct);
            records.AddRange((response.Items ?? []).Select(ToRecord));
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return records;
    }

    // ------------------------------------------------------------------ changes and expiry notices

    public async Task<ChangeRecord?> GetChangeAsync(RequestId requestId, RequestId changeId, CancellationToken ct = default)
    {
        var item = await GetItemAsync(ChangeKey(requestId, changeId), ct);
        return item is null ? null : ToChange(item);
    }

    public async Task<bool> PutChangeAsync(ChangeRecord change, CancellationToken ct = default)
    {
        try
        {
            await CallAsync("PutItem(change)", c => dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName, Item = ToItem(change), ConditionExpression = "attribute_not_exists(pk)",
            }, c), ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<bool> UpdateChangeAsync(ChangeRecord change, string expectedStatus, CancellationToken ct = default)
    {
        try
        {
            await CallAsync("PutItem(change)", c => dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName, Item = ToItem(change), ConditionExpression = "changeStatus = :expected",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":expected"] = S(expectedStatus) },
            }, c), ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<ChangeStart> BeginChangeAsync(ChangeRecord change, int expectedVersion, CancellationToken ct = default)
    {
        var mark = new Update
        {
            TableName = tableName,
            Key = RequestKey(change.RequestId),
            UpdateExpression = "SET changeInProgress = :change",
            ConditionExpression = "attribute_exists(pk) AND #status = :provisioned AND attribute_not_exists(changeInProgress) AND "
                + (expectedVersion == 0 ? "(attribute_not_exists(version) OR version = :version)" : "version = :version"),
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":change"] = S(change.ChangeId.Value), [":provisioned"] = S(LedgerStatus.Provisioned), [":version"] = N(expectedVersion),
            },
        };
        try
        {
            await TransactAsync("TransactWriteItems(begin change)",
            [
                // New, or the same change that waited for its approvals.
                new TransactWriteItem { Put = new Put
                {
                    TableName = tableName, Item = ToItem(change), ConditionExpression = "attribute_not_exists(pk) OR changeStatus = :awaiting",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":awaiting"] = S(ChangeStatus.AwaitingApproval) },
                } },
                new TransactWriteItem { Update = mark },
            ], ct);
            return ChangeStart.Started;
        }
        catch (TransactionCanceledException e) when (Failed(e, 0))
        {
            return ChangeStart.ChangeExists;
        }
        catch (TransactionCanceledException e) when (Failed(e, 1))
        {
            return ChangeStart.VersionConflict;
        }
        catch (TransactionCanceledException e)
        {
            throw new AwsTransientFailure($"the ledger transaction beginning change {change.ChangeId} was cancelled: {e.Message}", e);
        }
    }

    public async Task FinishChangeAsync(ChangeRecord change, bool applied, string at, CancellationToken ct = default)
    {
        var status = applied ? ChangeStatus.Applied : ChangeStatus.RolledBack;
        var entry = new HistoryEntry(applied ? "Changed" : "ChangeRolledBack", at, change.ExecutionArn,
            $"change {change.ChangeId} (version {change.Version})");
        var names = new Dictionary<string, string>();
        var values = new Dictionary<string, AttributeValue>
        {
            [":change"] = S(change.ChangeId.Value), [":at"] = S(at), [":entry"] = new AttributeValue { L = [History(entry)] },
        };
        var set = new List<string> { "updatedAt = :at", "history = list_append(history, :entry)" };
        var remove = new List<string> { "changeInProgress" };
        if (applied)
        {
            names["#plan"] = "plan";
            set.Add("#plan = :plan");
            values[":plan"] = S(JsonSerializer.Serialize(change.After.Plan, LedgerJsonContext.Default.PeeringPlan));
            set.Add("allowDnsResolution = :dns");
            values[":dns"] = new AttributeValue { BOOL = change.After.AllowDnsResolution };
            set.Add("version = :version");
            values[":version"] = N(change.Version);
            if (change.After.ExpiresAt is { } expiresAt)
            {
                set.Add("expiresAt = :expires");
                set.Add("expiryIndex = :live");
                values[":expires"] = S(LedgerTime.Of(expiresAt));
                values[":live"] = S(LiveMarker);
            }
            else
            {
                remove.Add("expiresAt");
                remove.Add("expiryIndex");
            }
        }
        var request = new Update
        {
            TableName = tableName,
            Key = RequestKey(change.RequestId),
            UpdateExpression = "SET " + string.Join(", ", set) + " REMOVE " + string.Join(", ", remove),
            ConditionExpression = "changeInProgress = :change",
            ExpressionAttributeNames = names.Count > 0 ? names : null,
            ExpressionAttributeValues = values,
        };
        var item = new Update
        {
            TableName = tableName,
            Key = ChangeKey(change.RequestId, change.ChangeId),
            UpdateExpression = "SET #status = :status, #at = :at",
            ConditionExpression = "#status = :applying",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "changeStatus", ["#at"] = "at" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":status"] = S(status), [":at"] = S(at), [":applying"] = S(ChangeStatus.Applying),
            },
        };
        try
        {
            await TransactAsync("TransactWriteItems(finish change)", [new TransactWriteItem { Update = request }, new TransactWriteItem { Update = item }], ct);
        }
        catch (TransactionCanceledException e) when (Failed(e, 0) || Failed(e, 1))
        {
            // Finished by an earlier attempt of this step: nothing more to write.
        }
    }

    public async Task<IReadOnlyList<RequestRecord>> ExpiringAsync(DateTimeOffset now, DateTimeOffset until, CancellationToken ct = default)
    {
        var items = await QueryAllAsync("Query(ByExpiry)", new QueryRequest
        {
            TableName = tableName,
            IndexName = ExpiryIndex,
            KeyConditionExpression = "expiryIndex = :live AND expiresAt BETWEEN :now AND :until",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":live"] = S(LiveMarker), [":now"] = S(LedgerTime.Of(now)), [":until"] = S(LedgerTime.Of(until)),
            },
        }, ct);
        return items.Select(ToRecord).Where(r => r.IsLive && r.ExpiresAt > now).ToList();
    }

    public async Task<bool> MarkExpiryNoticeAsync(RequestId id, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        var text = LedgerTime.Of(expiresAt);
        return await UpdateIgnoringDoneAsync(new Update
        {
            TableName = tableName,
            Key = RequestKey(id),
            UpdateExpression = "SET expiryNoticeFor = :expires",
            // Only for the expiry the record still has, and only once per expiry.
            ConditionExpression = "expiresAt = :expires AND (attribute_not_exists(expiryNoticeFor) OR expiryNoticeFor <> :expires)",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":expires"] = S(text) },
        }, ct);
    }

    private static Dictionary<string, AttributeValue> ChangeKey(RequestId requestId, RequestId changeId) =>
        new() { ["pk"] = S($"CHANGE#{requestId.Value}#{changeId.Value}") };

    private static Dictionary<string, AttributeValue> ToItem(ChangeRecord change)
    {
        var item = ChangeKey(change.RequestId, change.ChangeId);
        item["requestId"] = S(change.RequestId.Value);
        item["changeId"] = S(change.ChangeId.Value);
        item["fingerprint"] = S(change.Fingerprint);
        // Not "status": change items stay out of the request status indexes.
        item["changeStatus"] = S(change.Status);
        item["version"] = N(change.Version);
        item["askerAccount"] = S(change.Asker.Account);
        item["at"] = S(change.At);
        item["before"] = S(JsonSerializer.Serialize(change.Before, LedgerJsonContext.Default.PeeringState));
        item["after"] = S(JsonSerializer.Serialize(change.After, LedgerJsonContext.Default.PeeringState));
        item["diff"] = S(JsonSerializer.Serialize(change.Diff, LedgerJsonContext.Default.ChangeDiff));
        item["reasons"] = Reasons(change.Reasons);
        item["approvals"] = Approvals(change.Approvals);
        Optional(item, "requestedBy", change.Asker.RequestedBy);
        Optional(item, "eventId", change.Asker.EventId);
        Optional(item, "eventTime", change.Asker.EventTime);
        Optional(item, "executionArn", change.ExecutionArn);
        Optional(item, "detail", change.Detail);
        Optional(item, "approvalDeadline", change.ApprovalDeadline is { } deadline ? LedgerTime.Of(deadline) : null);
        return item;
    }

    private static ChangeRecord ToChange(Dictionary<string, AttributeValue> item) => new()
    {
        RequestId = RequestId.Parse(item["requestId"].S),
        ChangeId = RequestId.Parse(item["changeId"].S),
        Fingerprint = item["fingerprint"].S,
        Status = item["changeStatus"].S,
        Version = int.Parse(item["version"].N, System.Globalization.CultureInfo.InvariantCulture),
        Asker = new RequestAsker
        {
            Account = Text(item, "askerAccount") ?? "",
            RequestedBy = Text(item, "requestedBy"),
            EventId = Text(item, "eventId"),
            EventTime = Text(item, "eventTime"),
        },
        At = item["at"].S,
        ExecutionArn = Text(item, "executionArn"),
        Before = JsonSerializer.Deserialize(item["before"].S, LedgerJsonContext.Default.PeeringState)!,
        After = JsonSerializer.Deserialize(item["after"].S, LedgerJsonContext.Default.PeeringState)!,
        Diff = JsonSerializer.Deserialize(item["diff"].S, LedgerJsonContext.Default.ChangeDiff)!,
        Reasons = (item.GetValueOrDefault("reasons")?.L ?? []).Select(r => new Reason(r.M["code"].S, r.M["message"].S)).ToList(),
        Approvals = (item.GetValueOrDefault("approvals")?.L ?? []).Select(a => new RequiredApproval
        {
            Code = a.M["code"].S,
            Reason = a.M["reason"].S,
            Approvers = a.M["approvers"].L.Select(v => v.S).ToList(),
            ApprovedBy = Text(a.M, "approvedBy"),
            ApprovedAt = Text(a.M, "approvedAt"),
        }).ToList(),
        Detail = Text(item, "detail"),
        ApprovalDeadline = LedgerTime.Parse(Text(item, "approvalDeadline")),
    };

    private static AttributeValue N(int value) => new() { N = value.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    // ------------------------------------------------------------------ items

    private static Dictionary<string, AttributeValue> RequestKey(RequestId id) => new() { ["pk"] = S("REQUEST#" + id.Value) };

    private static Dictionary<string, AttributeValue> PairKey(VpcPair pair) => new() { ["pk"] = S($"PAIR#{pair.First}#{pair.Second}") };

    private static Dictionary<string, AttributeValue> PeeringKey(PeeringConnectionId id) => new() { ["pk"] = S("PEERING#" + id.Value) };

    private TransactWriteItem PutNew(RequestRecord record) => new()
    {
        Put = new Put { TableName = tableName, Item = ToItem(record), ConditionExpression = "attribute_not_exists(pk)" },
    };

    private Put NewLock(RequestRecord record)
    {
        var item = PairKey(record.Pair);
        item["owner"] = S(record.RequestId.Value);
        item["since"] = S(record.History.FirstOrDefault()?.At ?? LedgerTime.Of(DateTimeOffset.UtcNow));
        if (record.ExecutionArn is { } arn)
        {
            item["executionArn"] = S(arn);
        }
        return new Put { TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(pk)" };
    }

    private static Dictionary<string, AttributeValue> Alias(PeeringConnectionId peering, RequestId owner)
    {
        var item = PeeringKey(peering);
        item["requestId"] = S(owner.Value);
        return item;
    }

    private Update StatusUpdate(RequestId id, StatusChange change)
    {
        var names = new Dictionary<string, string> { ["#status"] = "status" };
        var values = new Dictionary<string, AttributeValue>
        {
            [":status"] = S(change.Status),
            [":at"] = S(change.At),
            [":entry"] = new AttributeValue { L = [History(new HistoryEntry(change.Status, change.At, change.ExecutionArn, change.Detail))] },
        };
        var set = new List<string> { "#status = :status", "updatedAt = :at", "history = list_append(history, :entry)" };
        if (change.ExpectedStatus is { } expected)
        {
            values[":expected"] = S(expected);
        }
        if (change.Plan is { } plan)
        {
            set.Add("#plan = :plan");
            names["#plan"] = "plan";
            values[":plan"] = S(JsonSerializer.Serialize(plan, LedgerJsonContext.Default.PeeringPlan));
        }
        if (change.Reasons is { } reasons)
        {
            set.Add("reasons = :reasons");
            values[":reasons"] = Reasons(reasons);
        }
        if (change.Approvals is { } approvals)
        {
            set.Add("approvals = :approvals");
            values[":approvals"] = Approvals(approvals);
        }
        if (change.ApprovalDeadline is { } deadline)
        {
            set.Add("approvalDeadline = :deadline");
            values[":deadline"] = S(LedgerTime.Of(deadline));
        }
        if (change.NewOwner is { } owner)
        {
            set.Add("executionArn = :owner");
            values[":owner"] = S(owner);
        }
        var expression = "SET " + string.Join(", ", set);
        if (LedgerStatus.IsTerminal(change.Status))
        {
            // Out of the expiry index: nothing is left to expire.
            expression += " REMOVE expiryIndex";
        }
        return new Update
        {
            TableName = tableName,
            Key = RequestKey(id),
            UpdateExpression = expression,
            ConditionExpression = change.ExpectedStatus is null ? "attribute_exists(pk) AND #status <> :status" : "attribute_exists(pk) AND #status = :expected",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        };
    }

    private Dictionary<string, AttributeValue> ToItem(RequestRecord record)
    {
        var item = RequestKey(record.RequestId);
        item["requestId"] = S(record.RequestId.Value);
        item["status"] = S(record.Status);
        item["trigger"] = S(record.Trigger);
        item["fingerprint"] = S(record.Fingerprint);
        item["requesterAccountId"] = S(record.Requester.Account.Value);
        item["requesterRegion"] = S(record.Requester.Region.Value);
        item["requesterVpcId"] = S(record.Requester.VpcId.Value);
        item["accepterAccountId"] = S(record.Accepter.Account.Value);
        item["accepterRegion"] = S(record.Accepter.Region.Value);
        item["accepterVpcId"] = S(record.Accepter.VpcId.Value);
        item["askerAccount"] = S(record.Asker.Account);
        item["allowDnsResolution"] = new AttributeValue { BOOL = record.AllowDnsResolution };
        item["history"] = new AttributeValue { L = record.History.Select(History).ToList() };
        item["reasons"] = Reasons(record.Reasons);
        var created = record.History.FirstOrDefault()?.At ?? LedgerTime.Of(DateTimeOffset.UtcNow);
        item["createdAt"] = S(created);
        item["updatedAt"] = S(record.History.LastOrDefault()?.At ?? created);
        Optional(item, "requestedBy", record.Asker.RequestedBy);
        Optional(item, "eventId", record.Asker.EventId);
        Optional(item, "eventTime", record.Asker.EventTime);
        Optional(item, "executionArn", record.ExecutionArn);
        Optional(item, "peeringId", record.PeeringId?.Value);
        Optional(item, "plan", record.Plan is { } plan ? JsonSerializer.Serialize(plan, LedgerJsonContext.Default.PeeringPlan) : null);
        Optional(item, "detail", record.Detail);
        Optional(item, "approvalDeadline", record.ApprovalDeadline is { } deadline ? LedgerTime.Of(deadline) : null);
        item["approvals"] = Approvals(record.Approvals);
        item["version"] = new AttributeValue { N = record.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        Optional(item, "changeInProgress", record.ChangeInProgress);
        Optional(item, "expiryNoticeFor", record.ExpiryNoticeFor);
        if (record.ExpiresAt is { } expiresAt)
        {
            item["expiresAt"] = S(LedgerTime.Of(expiresAt));
            if (record.IsLive)
            {
                item["expiryIndex"] = S(LiveMarker);
            }
        }
        return item;
    }

    private static RequestRecord ToRecord(Dictionary<string, AttributeValue> item) => new()
    {
        RequestId = RequestId.Parse(item["requestId"].S),
        Status = item["status"].S,
        Trigger = Text(item, "trigger") ?? LedgerTrigger.Request,
        Fingerprint = Text(item, "fingerprint") ?? "",
        Requester = new PeeringSideInfo(AccountId.Parse(item["requesterAccountId"].S), AwsRegion.Parse(item["requesterRegion"].S), VpcId.Parse(item["requesterVpcId"].S)),
        Accepter = new PeeringSideInfo(AccountId.Parse(item["accepterAccountId"].S), AwsRegion.Parse(item["accepterRegion"].S), VpcId.Parse(item["accepterVpcId"].S)),
        Asker = new RequestAsker
        {
            Account = Text(item, "askerAccount") ?? "",
            RequestedBy = Text(item, "requestedBy"),
            EventId = Text(item, "eventId"),
            EventTime = Text(item, "eventTime"),
        },
        ExecutionArn = Text(item, "executionArn"),
        Plan = Text(item, "plan") is { } plan ? JsonSerializer.Deserialize(plan, LedgerJsonContext.Default.PeeringPlan) : null,
        AllowDnsResolution = item.TryGetValue("allowDnsResolution", out var dns) && dns.BOOL == true,
        ExpiresAt = LedgerTime.Parse(Text(item, "expiresAt")),
        PeeringId = Text(item, "peeringId") is { } peering ? PeeringConnectionId.Parse(peering) : null,
        Reasons = (item.GetValueOrDefault("reasons")?.L ?? [])
            .Select(r => new Reason(r.M["code"].S, r.M["message"].S)).ToList(),
        Detail = Text(item, "detail"),
        Version = item.TryGetValue("version", out var version) && version.N is { } n ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 0,
        ChangeInProgress = Text(item, "changeInProgress"),
        ExpiryNoticeFor = Text(item, "expiryNoticeFor"),
        ApprovalDeadline = LedgerTime.Parse(Text(item, "approvalDeadline")),
        Approvals = (item.GetValueOrDefault("approvals")?.L ?? []).Select(a => new RequiredApproval
        {
            Code = a.M["code"].S,
            Reason = a.M["reason"].S,
            Approvers = a.M["approvers"].L.Select(v => v.S).ToList(),
            ApprovedBy = Text(a.M, "approvedBy"),
            ApprovedAt = Text(a.M, "approvedAt"),
        }).ToList(),
        History = (item.GetValueOrDefault("history")?.L ?? [])
            .Select(h => new HistoryEntry(h.M["status"].S, h.M["at"].S, Text(h.M, "executionArn"), Text(h.M, "detail"))).ToList(),
    };

    private static AttributeValue History(HistoryEntry entry)
    {
        var map = new Dictionary<string, AttributeValue> { ["status"] = S(entry.Status), ["at"] = S(entry.At) };
        Optional(map, "executionArn", entry.ExecutionArn);
        Optional(map, "detail", entry.Detail);
        return new AttributeValue { M = map };
    }

    private static AttributeValue Approvals(IReadOnlyList<RequiredApproval> approvals) => new()
    {
        L = approvals.Select(a =>
        {
            var map = new Dictionary<string, AttributeValue>
            {
                ["code"] = S(a.Code), ["reason"] = S(a.Reason), ["approvers"] = new AttributeValue { L = a.Approvers.Select(S).ToList() },
            };
            Optional(map, "approvedBy", a.ApprovedBy);
            Optional(map, "approvedAt", a.ApprovedAt);
            return new AttributeValue { M = map };
        }).ToList(),
    };

    private static AttributeValue Reasons(IReadOnlyList<Reason> reasons) => new()
    {
        L = reasons.Select(r => new AttributeValue { M = new Dictionary<string, AttributeValue> { ["code"] = S(r.Code), ["message"] = S(r.Message) } }).ToList(),
    };

    private static void Optional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            item[name] = S(value);
        }
    }

    private static string? Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static AttributeValue S(string value) => new() { S = value };

    // ------------------------------------------------------------------ calls

    private async Task<Dictionary<string, AttributeValue>?> GetItemAsync(Dictionary<string, AttributeValue> key, CancellationToken ct)
    {
        var response = await CallAsync("GetItem", c => dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = key, ConsistentRead = true }, c), ct);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private async Task<bool> UpdateIgnoringDoneAsync(Update update, CancellationToken ct)
    {
        try
        {
            await CallAsync("UpdateItem", c => dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = update.TableName,
                Key = update.Key,
                UpdateExpression = update.UpdateExpression,
                ConditionExpression = update.ConditionExpression,
                ExpressionAttributeNames = update.ExpressionAttributeNames,
                ExpressionAttributeValues = update.ExpressionAttributeValues,
            }, c), ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Already in that status (an earlier attempt wrote it), not in the expected one, or no such record.
            return false;
        }
    }

    private async Task<ClaimOutcome> ExplainAsync(RequestRecord record, TransactionCanceledException e, CancellationToken ct)
    {
        if (Failed(e, 0))
        {
            return new ClaimOutcome(ClaimResult.RequestExists, Existing: await GetAsync(record.RequestId, ct));
        }
        if (Failed(e, 1))
        {
            return new ClaimOutcome(ClaimResult.PairLocked, Lock: await GetPairLockAsync(record.Pair, ct));
        }
        throw new AwsTransientFailure($"the ledger transaction for request {record.RequestId} was cancelled: {e.Message}", e);
    }

    private static bool Failed(TransactionCanceledException e, int index) =>
        e.CancellationReasons is { } reasons && reasons.Count > index && reasons[index].Code == ConditionalCheckFailed;

    private Task TransactAsync(string operation, List<TransactWriteItem> items, CancellationToken ct) =>
        CallAsync(operation, c => dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = items }, c), ct);

    /// <summary>Runs one DynamoDB call; condition failures pass through for the caller, everything else maps to the Core errors.</summary>
    /// <summary>Every item a query matches, page by page.</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(string operation, QueryRequest query, CancellationToken ct)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var response = await CallAsync(operation, c => dynamo.QueryAsync(query, c), ct);
            items.AddRange(response.Items ?? []);
            query.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (query.ExclusiveStartKey is not null);
        return items;
    }

    private async Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call(ct);
        }
        catch (Exception e) when (e is TransactionCanceledException or ConditionalCheckFailedException)
        {
            throw;
        }
        catch (AmazonServiceException e)
        {
            throw AwsErrorMapper.Map(e, operation, $"table {tableName}");
        }
    }
}
