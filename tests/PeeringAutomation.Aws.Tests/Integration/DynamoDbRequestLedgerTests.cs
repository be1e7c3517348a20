using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Changes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Aws.Tests.Integration;

/// <summary>The ledger against DynamoDB (moto), on the table template.yaml defines.</summary>
public sealed class DynamoDbRequestLedgerTests(MotoFixture moto) : MotoTest(moto)
{
    private static readonly VpcId VpcA = VpcId.Parse("vpc-0a0000000000000a1");
    private static readonly VpcId VpcB = VpcId.Parse("vpc-0b0000000000000b1");
    private static readonly VpcId VpcC = VpcId.Parse("vpc-0c0000000000000c1");

    private AmazonDynamoDBClient dynamo = null!;
    private DynamoDbRequestLedger ledger = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        dynamo = new AmazonDynamoDBClient(HubCredentials, AwsClientConfig.DynamoDb(Options, UsEast1));
        var create = TemplateTables.CreateRequest("RequestLedgerTable", "peering-automation-requests");
        await dynamo.CreateTableAsync(create);
        ledger = new DynamoDbRequestLedger(dynamo, create.TableName);
    }

    private static RequestRecord Record(string id, VpcId a, VpcId b, string fingerprint = "f1", DateTimeOffset? expiresAt = null) => new()
    {
        RequestId = RequestId.Parse(id),
        Requester = new PeeringSideInfo(Requester, UsEast1, a),
        Accepter = new PeeringSideInfo(Accepter, EuWest1, b),
        Asker = new RequestAsker { Account = Requester.Value, RequestedBy = "alice@example.com", EventId = "e-1", EventTime = "2026-11-27T10:00:00Z" },
        Fingerprint = fingerprint,
        Status = LedgerStatus.Requested,
        ExecutionArn = "arn:aws:states:us-east-1:123456789012:execution:p:" + id,
        ExpiresAt = expiresAt,
        History = [new HistoryEntry(LedgerStatus.Requested, "2026-11-27T10:00:00Z", "arn:x", "asked")],
    };

    [Fact]
    public async Task LedgerClaim_WritesRecordAndLockTogetherThenRefusesTheSameIdAndThePair()
    {
        (await ledger.ClaimAsync(Record("chg-1", VpcA, VpcB))).Result.ShouldBe(ClaimResult.Claimed);

        var again = await ledger.ClaimAsync(Record("chg-1", VpcA, VpcB));
        var pair = await ledger.ClaimAsync(Record("chg-2", VpcB, VpcA));

        again.Result.ShouldBe(ClaimResult.RequestExists);
        again.Existing!.Asker.RequestedBy.ShouldBe("alice@example.com");
        pair.Result.ShouldBe(ClaimResult.PairLocked);
        pair.Lock!.Owner.Value.ShouldBe("chg-1");
        (await ledger.GetAsync(RequestId.Parse("chg-2"))).ShouldBeNull("a refused claim writes nothing");
    }

    [Fact]
    public async Task LedgerTakeOver_ReplacesTheLockOnlyWhileItIsHeldAsRead()
    {
        await ledger.ClaimAsync(Record("chg-1", VpcA, VpcB));
        var stale = (await ledger.GetPairLockAsync(VpcPair.Of(VpcA, VpcB)))!;

        (await ledger.TakeOverAsync(Record("chg-2", VpcA, VpcB), stale)).Result.ShouldBe(ClaimResult.Claimed);
        var late = await ledger.TakeOverAsync(Record("chg-3", VpcA, VpcB), stale);

        late.Result.ShouldBe(ClaimResult.PairLocked);
        late.Lock!.Owner.Value.ShouldBe("chg-2");
    }

    [Fact]
    public async Task LedgerRecord_WritesEachStatusOnceAndReleasesOnlyItsOwnLock()
    {
        var plan = new PeeringPlan
        {
            Requester = new SidePlan
            {
                Side = new PeeringSideInfo(Requester, UsEast1, VpcA),
                Routes = [new PlannedRoute(RouteTableId.Parse("rtb-0a0000000000000a1"), Cidr.Parse("10.2.0.0/16"))],
                GroupRules = [new PlannedGroupRules(SecurityGroupId.Parse("sg-0a0000000000000a1"),
                    [new IngressPermission { Protocol = "tcp", FromPort = 443, ToPort = 443, SourceCidr = Cidr.Parse("10.2.0.0/16"), Description = "peering-automation chg-1" }])],
            },
            Accepter = new SidePlan { Side = new PeeringSideInfo(Accepter, EuWest1, VpcB), Routes = [], GroupRules = [] },
        };
        var id = RequestId.Parse("chg-1");
        await ledger.ClaimAsync(Record("chg-1", VpcA, VpcB, expiresAt: DateTimeOffset.Parse("2026-12-01T00:00:00Z")));
        var provisioning = new StatusChange { Status = LedgerStatus.Provisioning, At = "2026-11-27T10:00:01Z", Plan = plan, Detail = "validated" };

        await ledger.RecordAsync(id, provisioning);
        await ledger.RecordAsync(id, provisioning);
        await ledger.RecordPeeringAsync(id, PeeringConnectionId.Parse("pcx-0a0000000000000a1"));
        await ledger.RecordPeeringAsync(id, PeeringConnectionId.Parse("pcx-0a0000000000000a1"));
        await Should.ThrowAsync<PeeringConflict>(() => ledger.RecordPeeringAsync(id, PeeringConnectionId.Parse("pcx-0b0000000000000b1")));

        var record = (await ledger.GetAsync(id))!;
        record.History.Select(h => h.Status).ShouldBe([LedgerStatus.Requested, LedgerStatus.Provisioning]);
        record.Plan!.Requester.GroupRules[0].Permissions[0].Description.ShouldBe("peering-automation chg-1");
        (await ledger.FindByPeeringAsync(PeeringConnectionId.Parse("pcx-0a0000000000000a1")))!.RequestId.ShouldBe(id);
        (await ledger.ExpiredAsync(DateTimeOffset.Parse("2026-12-02T00:00:00Z"))).ShouldHaveSingleItem().RequestId.ShouldBe(id);
        (await ledger.ExpiredAsync(DateTimeOffset.Parse("2026-11-30T00:00:00Z"))).ShouldBeEmpty();

        // Another request's lock on another pair is never released by this one.
        await ledger.ClaimAsync(Record("chg-9", VpcB, VpcC));
        await ledger.RecordAsync(id, new StatusChange { Status = LedgerStatus.TornDown, At = "2026-11-28T00:00:00Z", ReleasePair = VpcPair.Of(VpcB, VpcC) });
        (await ledger.GetPairLockAsync(VpcPair.Of(VpcB, VpcC)))!.Owner.Value.ShouldBe("chg-9");
        (await ledger.GetAsync(id))!.Status.ShouldBe(LedgerStatus.TornDown);
        (await ledger.ExpiredAsync(DateTimeOffset.Parse("2026-12-02T00:00:00Z"))).ShouldBeEmpty("a terminal request leaves the expiry index");

        await ledger.RecordAsync(RequestId.Parse("chg-9"), new StatusChange { Status = LedgerStatus.Failed, At = "2026-11-28T00:00:00Z", ReleasePair = VpcPair.Of(VpcB, VpcC) });
        (await ledger.GetPairLockAsync(VpcPair.Of(VpcB, VpcC))).ShouldBeNull();
    }

    [Fact]
    public async Task LedgerKnownPeerings_ReadsInBatchesGivenMoreThanOneHundred()
    {
        var record = Record("auto-accept-pcx-0a0000000000000a1", VpcA, VpcB) with
        {
            Status = LedgerStatus.Provisioned, Trigger = LedgerTrigger.AutoAccept, PeeringId = PeeringConnectionId.Parse("pcx-0a0000000000000a1"),
        };
        (await ledger.PutAsync(record)).ShouldBeTrue();
        (await ledger.PutAsync(record)).ShouldBeFalse();
        var asked = Enumerable.Range(0, 150).Select(i => PeeringConnectionId.Parse($"pcx-{i:x17}")).Append(record.PeeringId!.Value).ToList();

        var known = await ledger.KnownPeeringsAsync(asked);

        known.ShouldHaveSingleItem().Value.ShouldBe(record.RequestId);
    }

    [Fact]
    public async Task LedgerItems_AnswerThePeopleQueriesThroughTheTemplateIndexes()
    {
        await ledger.ClaimAsync(Record("chg-1", VpcA, VpcB));

        var byAccount = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = "peering-automation-requests", IndexName = "ByRequesterAccountStatus",
            KeyConditionExpression = "requesterAccountId = :a AND #s = :s",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#s"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":a"] = new() { S = Requester.Value }, [":s"] = new() { S = "Requested" } },
        });
        var byVpc = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = "peering-automation-requests", IndexName = "ByAccepterVpc",
            KeyConditionExpression = "accepterVpcId = :v",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":v"] = new() { S = VpcB.Value } },
        });

        byAccount.Items.ShouldHaveSingleItem()["requestId"].S.ShouldBe("chg-1");
        byVpc.Items.ShouldHaveSingleItem()["askerAccount"].S.ShouldBe(Requester.Value);
    }

    [Fact]
    public async Task LedgerListByStatus_ReturnsOnlyRequestsInTheAskedStatusesNotLocksOrPeeringEntries()
    {
        await ledger.ClaimAsync(Record("chg-1", VpcA, VpcB));
        await ledger.RecordPeeringAsync(RequestId.Parse("chg-1"), PeeringConnectionId.Parse("pcx-0123456789abcdef0"));
        await ledger.ClaimAsync(Record("chg-2", VpcA, VpcC));
        await ledger.RecordAsync(RequestId.Parse("chg-2"), new StatusChange
        {
            Status = LedgerStatus.TornDown, At = "2026-11-27T11:00:00Z", ReleasePair = VpcPair.Of(VpcA, VpcC),
        });

        var live = await ledger.ListByStatusAsync([LedgerStatus.Requested, LedgerStatus.Provisioned]);
        var none = await ledger.ListByStatusAsync([]);

        live.ShouldHaveSingleItem().RequestId.Value.ShouldBe("chg-1");
        live[0].PeeringId!.Value.Value.ShouldBe("pcx-0123456789abcdef0");
        none.ShouldBeEmpty();
    }

    private static PeeringPlan Plan(VpcId a, VpcId b, params int[] ports) => new()
    {
        Requester = new SidePlan
        {
            Side = new PeeringSideInfo(Requester, UsEast1, a),
            Routes = [new PlannedRoute(RouteTableId.Parse("rtb-0a0000000000000a1"), Cidr.Parse("10.20.0.0/16"))],
            GroupRules = [new PlannedGroupRules(SecurityGroupId.Parse("sg-0a0000000000000a1"), ports.Select(p => new IngressPermission
            {
                Protocol = "tcp", FromPort = p, ToPort = p, SourceCidr = Cidr.Parse("10.20.0.0/16"), Description = "peering-automation chg-9",
            }).ToList())],
        },
        Accepter = new SidePlan { Side = new PeeringSideInfo(Accepter, EuWest1, b), Routes = [], GroupRules = [] },
    };

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static ChangeRecord Change(string id, PeeringState before, PeeringState after, int version) => new()
    {
        RequestId = RequestId.Parse("chg-9"),
        ChangeId = RequestId.Parse(id),
        Fingerprint = "f-" + id,
        Asker = new RequestAsker { Account = Requester.Value },
        Status = ChangeStatus.Applying,
        Version = version,
        ExecutionArn = "arn:aws:states:us-east-1:123456789012:execution:change:" + id,
        Before = before,
        After = after,
        Diff = ChangeDiff.Between(before, after),
        At = "2026-11-30T09:00:00Z",
    };

    [Fact]
    public async Task LedgerChange_BeginsOnlyAtTheReadVersionAndFinishingBumpsItWithTheNewState()
    {
        var expires = new DateTimeOffset(2026, 12, 10, 0, 0, 0, TimeSpan.Zero);
        (await ledger.ClaimAsync(Record("chg-9", VpcA, VpcC, expiresAt: expires))).Result.ShouldBe(ClaimResult.Claimed);
        await ledger.RecordAsync(RequestId.Parse("chg-9"), new StatusChange { Status = LedgerStatus.Provisioned, At = "2026-11-30T08:00:00Z", Plan = Plan(VpcA, VpcC, 443) });
        var before = PeeringState.Of((await ledger.GetAsync(RequestId.Parse("chg-9")))!);
        var after = before with { Plan = Plan(VpcA, VpcC, 443, 5432), AllowDnsResolution = true, ExpiresAt = null };
        var first = Change("c-1", before, after, 1);

        (await ledger.BeginChangeAsync(first, 0)).ShouldBe(ChangeStart.Started);
        (await ledger.BeginChangeAsync(first, 0)).ShouldBe(ChangeStart.ChangeExists);
        (await ledger.BeginChangeAsync(Change("c-2", before, after, 1), 0)).ShouldBe(ChangeStart.VersionConflict, "c-1 is in progress");
        (await ledger.GetAsync(RequestId.Parse("chg-9")))!.ChangeInProgress.ShouldBe("c-1");

        await ledger.FinishChangeAsync(first, applied: true, "2026-11-30T09:01:00Z");
        await ledger.FinishChangeAsync(first, applied: true, "2026-11-30T09:02:00Z");

        var record = (await ledger.GetAsync(RequestId.Parse("chg-9")))!;
        record.Version.ShouldBe(1);
        record.ChangeInProgress.ShouldBeNull();
        record.AllowDnsResolution.ShouldBeTrue();
        record.ExpiresAt.ShouldBeNull();
        Json(record.Plan).ShouldBe(Json(after.Plan));
        record.History.Count(h => h.Status == "Changed").ShouldBe(1);
        (await ledger.ExpiredAsync(expires.AddDays(1))).ShouldBeEmpty("the expiry was removed");
        var stored = (await ledger.GetChangeAsync(RequestId.Parse("chg-9"), RequestId.Parse("c-1")))!;
        stored.Status.ShouldBe(ChangeStatus.Applied);
        Json(stored.Diff).ShouldBe(Json(first.Diff));
        Json(stored.Before).ShouldBe(Json(before));
        (await ledger.BeginChangeAsync(Change("c-2", before, after, 1), 0)).ShouldBe(ChangeStart.VersionConflict, "the version moved to 1");
        (await ledger.BeginChangeAsync(Change("c-2", after, before, 2), 1)).ShouldBe(ChangeStart.Started);
        await ledger.FinishChangeAsync(Change("c-2", after, before, 2), applied: false, "2026-11-30T09:03:00Z");
        (await ledger.GetAsync(RequestId.Parse("chg-9")))!.Version.ShouldBe(1, "a rolled-back change keeps the version");
        (await ledger.GetChangeAsync(RequestId.Parse("chg-9"), RequestId.Parse("c-2")))!.Status.ShouldBe(ChangeStatus.RolledBack);
    }

    [Fact]
    public async Task LedgerExpiryNotice_IsMarkedOncePerExpiryTime()
    {
        var expires = new DateTimeOffset(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
        (await ledger.ClaimAsync(Record("chg-10", VpcB, VpcC, expiresAt: expires))).Result.ShouldBe(ClaimResult.Claimed);

        (await ledger.ExpiringAsync(now, now.AddHours(24))).Select(r => r.RequestId.Value).ShouldContain("chg-10");
        (await ledger.ExpiringAsync(now, now.AddHours(12))).Select(r => r.RequestId.Value).ShouldNotContain("chg-10");
        (await ledger.MarkExpiryNoticeAsync(RequestId.Parse("chg-10"), expires)).ShouldBeTrue();
        (await ledger.MarkExpiryNoticeAsync(RequestId.Parse("chg-10"), expires)).ShouldBeFalse();
        (await ledger.MarkExpiryNoticeAsync(RequestId.Parse("chg-10"), expires.AddHours(1))).ShouldBeFalse("not the record's expiry");
        (await ledger.GetAsync(RequestId.Parse("chg-10")))!.ExpiryNoticeFor.ShouldBe("2026-12-01T06:00:00Z");
    }
}
