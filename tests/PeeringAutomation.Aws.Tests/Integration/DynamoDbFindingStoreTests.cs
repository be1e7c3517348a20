using Amazon.DynamoDBv2;
using PeeringAutomation.Aws.Tests.Moto;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Aws.Tests.Integration;

/// <summary>The findings state against DynamoDB (moto), on the table template.yaml defines.</summary>
public sealed class DynamoDbFindingStoreTests(MotoFixture moto) : MotoTest(moto)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private AmazonDynamoDBClient dynamo = null!;
    private DynamoDbFindingStore store = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        dynamo = new AmazonDynamoDBClient(HubCredentials, AwsClientConfig.DynamoDb(Options, UsEast1));
        var name = "peering-automation-findings-" + Guid.NewGuid().ToString("N")[..8];
        var create = TemplateTables.CreateRequest("FindingStateTable", name);
        await dynamo.CreateTableAsync(create);
        store = new DynamoDbFindingStore(dynamo, create.TableName);
    }

    private static AccountRegion UsEast1Of(string account) => new(AccountId.Parse(account), AwsRegion.Parse("us-east-1"));

    private static ComplianceFinding Finding(string id, string account = "111111111111") => new()
    {
        FindingId = id, FindingType = FindingTypes.FlowLogsMissing, Severity = "HIGH", AccountId = AccountId.Parse(account), Region = AwsRegion.Parse("us-east-1"),
        VpcId = VpcId.Parse("vpc-0a0000000000000a1"), Message = "no flow log",
    };

    [Fact]
    public async Task FindingStore_ListsOpenFindingsOfTheScopeUntilResolvedOnce()
    {
        await store.RecordSeenAsync(Finding("pcf-00000000000000000001"), T0, T0);
        await store.RecordSeenAsync(Finding("pcf-00000000000000000002", "222222222222"), T0, T0);

        (await store.OpenInScopeAsync(UsEast1Of("111111111111"))).ShouldHaveSingleItem().FirstSeen.ShouldBe(T0);
        (await store.TryResolveAsync("pcf-00000000000000000001", T0.AddHours(1))).ShouldBeTrue();
        (await store.TryResolveAsync("pcf-00000000000000000001", T0.AddHours(2))).ShouldBeFalse("resolved once");
        (await store.OpenInScopeAsync(UsEast1Of("111111111111"))).ShouldBeEmpty();
        (await store.GetAsync("pcf-00000000000000000001"))!.ResolvedAt.ShouldBe(T0.AddHours(1));
    }

    [Fact]
    public async Task FindingStore_RecordsAnAlertOnceGivenTwoSweepsRacingAndAgainForTheSameSweep()
    {
        await store.RecordSeenAsync(Finding("pcf-00000000000000000003"), T0, T0);

        (await store.TryRecordAlertAsync("pcf-00000000000000000003", null, "sweep-a", T0)).ShouldBeTrue();
        (await store.TryRecordAlertAsync("pcf-00000000000000000003", null, "sweep-b", T0)).ShouldBeFalse("sweep-a told people a moment ago");
        (await store.TryRecordAlertAsync("pcf-00000000000000000003", null, "sweep-a", T0)).ShouldBeTrue("a retried step of sweep-a alerts again");
        (await store.TryRecordAlertAsync("pcf-00000000000000000003", T0, "sweep-c", T0.AddDays(7))).ShouldBeTrue();
    }

    [Fact]
    public async Task FindingStore_SuppressesOnlyAKnownFindingAndRecordsWho()
    {
        await store.RecordSeenAsync(Finding("pcf-00000000000000000004"), T0, T0);

        (await store.SuppressAsync("pcf-00000000000000000004", T0.AddDays(3), "123456789012", "CHG-1", T0)).ShouldBeTrue();
        (await store.SuppressAsync("pcf-00000000000000000009", T0.AddDays(3), "123456789012", "CHG-1", T0)).ShouldBeFalse();
        var state = (await store.GetAsync("pcf-00000000000000000004"))!;
        state.SuppressedBy.ShouldBe("123456789012");
        state.SuppressionReason.ShouldBe("CHG-1");
        state.IsSuppressedAt(T0.AddDays(1)).ShouldBeTrue();
        state.IsSuppressedAt(T0.AddDays(4)).ShouldBeFalse();
    }

    [Fact]
    public async Task FindingStore_RecordsANewFindingWithItsAlertOnceAndLeavesAKnownOneAlone()
    {
        (await store.TryRecordNewAsync(Finding("pcf-00000000000000000005"), "sweep-a", T0)).ShouldBeTrue();
        (await store.TryRecordNewAsync(Finding("pcf-00000000000000000005"), "sweep-b", T0.AddMinutes(1))).ShouldBeFalse("sweep-a recorded it a moment ago");

        var state = (await store.OpenInScopeAsync(UsEast1Of("111111111111"))).ShouldHaveSingleItem();
        state.FirstSeen.ShouldBe(T0);
        state.LastSeen.ShouldBe(T0);
        state.LastAlertedAt.ShouldBe(T0);
        state.AlertSweepId.ShouldBe("sweep-a");
        state.VpcId.ShouldBe("vpc-0a0000000000000a1");
        state.Severity.ShouldBe("HIGH");
        (await store.TryResolveAsync("pcf-00000000000000000005", T0.AddHours(1))).ShouldBeTrue();
        (await store.TryRecordNewAsync(Finding("pcf-00000000000000000005"), "sweep-c", T0.AddHours(2))).ShouldBeFalse("a resolved finding is known: it reopens, it is not new");
        (await store.GetAsync("pcf-00000000000000000005"))!.ResolvedAt.ShouldBe(T0.AddHours(1));
    }
}
