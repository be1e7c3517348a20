using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Tests;

/// <summary>
/// Who may ask, through the bus as teams would: puts made with member credentials from
/// sts:AssumeRole, on the hub bus by its ARN; the workflows see the member's envelope account.
/// </summary>
[Collection(WorldStackCollection.Name)]
public sealed class WhoMayAskWorkflowTests(WorldStack world)
{
    private const string Legacy = "333333333333";
    private const string Analytics = "222222222222";
    private const string Payments = "111111111111";
    private static readonly TimeSpan Timeout = WorldStack.Timeout;

    private LocalCloud Stack => world.Stack;

    private RequestBuilder Build => new(Stack.World);

    private async Task<ExecutionResult> RequestAsAsync(string account, JsonObject request) =>
        await Stack.Driver.WaitForExecutionAsync(WorldStack.ProvisionMachine, await Stack.Driver.PutEventAsAsync(account, "Peering Requested", request), Timeout);

    private async Task<JsonObject> RejectedAsync(string account, JsonObject request, string code)
    {
        var execution = await RequestAsAsync(account, request);
        execution.StatesEntered.ShouldContain("Emit Peering Request Rejected", execution.ToString());
        execution.StatesEntered.ShouldNotContain("Create peering");
        var requestId = request["requestId"]!.GetValue<string>();
        var rejected = await Stack.Driver.WaitForOutcomeAsync("Peering Request Rejected", e => e["detail"]?["requestId"]?.GetValue<string>() == requestId, Timeout);
        rejected["detail"]!["reasons"]!.AsArray().Select(r => r!["code"]!.GetValue<string>()).ShouldContain(code, rejected.ToJsonString());
        return rejected;
    }

    [Fact]
    public async Task ProvisionPeering_ProvisionsForAMemberAskingForItsOwnVpcThenOnlyASideMayTearItDown()
    {
        var request = Build.Request("who-own", Build.Side("c10", Build.Tcp("c10-app", 443)), Build.Side("b12"));

        var execution = await RequestAsAsync(Legacy, request);

        execution.StatesEntered.ShouldContain("Emit Peering Provisioned", execution.ToString());
        execution.Input!["account"]!.GetValue<string>().ShouldBe(Legacy, "the workflow sees the member's envelope account");
        (await Stack.Ledger!.GetAsync(RequestId.Parse("who-own")))!.Asker.Account.ShouldBe(Legacy);

        var byStranger = await Stack.Driver.WaitForExecutionAsync("TeardownPeeringStateMachine",
            await Stack.Driver.PutEventAsAsync(Payments, "Peering Teardown Requested", new JsonObject { ["requestId"] = "who-own" }), Timeout);
        byStranger.StatesEntered.ShouldContain("Emit Peering Teardown Rejected");
        (await world.PeeringsBetweenAsync("c10", "b12")).Where(p => p.Status.Code.Value == "active").ShouldHaveSingleItem();

        var bySide = await Stack.Driver.WaitForExecutionAsync("TeardownPeeringStateMachine",
            await Stack.Driver.PutEventAsAsync(Analytics, "Peering Teardown Requested", new JsonObject { ["requestId"] = "who-own" }), Timeout);
        bySide.StatesEntered.ShouldContain("Emit Peering Torn Down", bySide.ToString());
    }

    [Fact]
    public async Task ProvisionPeering_RefusesGivenAMemberNamingAnotherAccountsVpcAsRequester()
    {
        var rejected = await RejectedAsync(Payments, Build.Request("who-not-mine", "c11", "b12"), "RequesterNotAuthorized");

        rejected["detail"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain(Payments);
        (await world.PeeringsBetweenAsync("c11", "b12")).ShouldBeEmpty();
    }

    [Fact]
    public async Task ProvisionPeering_RefusesGivenAMemberAskingForIngressOnTheAcceptersGroups()
    {
        await RejectedAsync(Legacy, Build.Request("who-their-ingress", Build.Side("c11"), Build.Side("b12", Build.Tcp("b12-web", 22))), "RequesterNotAuthorized");

        (await world.PeeringsBetweenAsync("c11", "b12")).ShouldBeEmpty();
    }

    [Fact]
    public async Task ProvisionPeering_AsksTheAccepterGivenAnAccepterVpcWithoutTheTag()
    {
        var execution = await RequestAsAsync(Legacy, Build.Request("who-no-consent", "c11", "b13"));

        execution.StatesEntered.ShouldContain("Awaiting approval", execution.ToString());
        var asked = await Stack.Driver.WaitForOutcomeAsync("Peering Approval Requested", e => e["detail"]?["requestId"]?.GetValue<string>() == "who-no-consent", Timeout);
        asked["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccepterConsentRequired");
        (await world.PeeringsBetweenAsync("c11", "b13")).ShouldBeEmpty();
    }

    [Fact]
    public async Task PutEvents_RefusesPerEntryGivenAMemberSpeakingAsTheAutomationOrAnAccountOutsideThePolicy()
    {
        var forged = new JsonObject
        {
            ["Source"] = "vpc-peering.automation", ["DetailType"] = "Peering Provisioned", ["Detail"] = "{}", ["EventBusName"] = Stack.EventBusArn,
        };
        var fine = new JsonObject
        {
            ["Source"] = "vpc-peering", ["DetailType"] = "Peering Acceptance Check Requested", ["Detail"] = "{}", ["EventBusName"] = Stack.EventBusArn,
        };

        var member = await Stack.Driver.PutEventsAsAsync(Legacy, [forged, fine]);
        var outsider = await Stack.Driver.PutEventsAsAsync("555555555555", [(JsonObject)fine.DeepClone()]);

        member["FailedEntryCount"]!.GetValue<int>().ShouldBe(1);
        member["Entries"]![0]!["ErrorCode"]!.GetValue<string>().ShouldBe("NotAuthorizedForSourceException");
        member["Entries"]![0]!["EventId"].ShouldBeNull();
        member["Entries"]![1]!["EventId"].ShouldNotBeNull();
        outsider["FailedEntryCount"]!.GetValue<int>().ShouldBe(1);
        outsider["Entries"]![0]!["ErrorCode"]!.GetValue<string>().ShouldBe("AccessDeniedException");
    }

    [Fact]
    public async Task AcceptPeerings_RefusesAnAllowedRequesterIntoAVpcWithoutConsent()
    {
        var pcx = await world.RequestPeeringByHandVisibleAsync("p3", "b13");

        var check = await Stack.Driver.WaitForExecutionAsync("AcceptPeeringsStateMachine", await Stack.Driver.PutEventAsync("Peering Acceptance Check Requested", new JsonObject()), Timeout);

        check.Status.ShouldBe("SUCCEEDED", check.ToString());
        var refused = await Stack.Driver.WaitForOutcomeAsync("Peering Acceptance Refused", e => e["detail"]?["vpcPeeringConnectionId"]?.GetValue<string>() == pcx, Timeout);
        refused["detail"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccepterConsentRequired");
    }

    [Fact]
    public async Task ProvisionPeering_DeliversTheApprovalRequestToTheAskingMembersDefaultBus()
    {
        // The team subscribes in its own account: a rule on its default bus, to a queue of its own.
        var key = (await Stack.Clients.CredentialsForAsync(Legacy)).GetCredentials().AccessKey;
        using var events = new LocalAwsClient(Stack.Endpoint, Stack.Region, key);
        using var sqs = new AmazonSQSClient(await Stack.Clients.CredentialsForAsync(Legacy), new AmazonSQSConfig { ServiceURL = Stack.Endpoint.ToString(), AuthenticationRegion = Stack.Region });
        var queueUrl = (await sqs.CreateQueueAsync("team-legacy-peering-outcomes")).QueueUrl;
        await events.EventsAsync("PutRule", new JsonObject
        {
            ["Name"] = "peering-outcomes", ["EventPattern"] = """{"source": ["vpc-peering.automation"]}""",
        });
        await events.EventsAsync("PutTargets", new JsonObject
        {
            ["Rule"] = "peering-outcomes",
            ["Targets"] = new JsonArray(new JsonObject { ["Id"] = "queue", ["Arn"] = $"arn:aws:sqs:{Stack.Region}:{Legacy}:team-legacy-peering-outcomes" }),
        });

        var asked = await RequestAsAsync(Legacy, Build.Request("who-hears-back", "c10", "b13"));
        asked.StatesEntered.ShouldContain("Awaiting approval", asked.ToString());

        var deadline = DateTime.UtcNow + Timeout;
        JsonNode? heard = null;
        while (heard is null && DateTime.UtcNow < deadline)
        {
            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            heard = (received.Messages ?? []).Select(m => JsonNode.Parse(m.Body)!)
                .FirstOrDefault(e => e["detail"]?["requestId"]?.GetValue<string>() == "who-hears-back");
        }
        heard.ShouldNotBeNull("the rejection reached the member's own default bus");
        heard["detail-type"]!.GetValue<string>().ShouldBe("Peering Approval Requested");
    }
}
