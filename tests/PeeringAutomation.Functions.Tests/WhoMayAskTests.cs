using System.Text.Json.Nodes;
using PeeringAutomation.Core.Ledger;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Functions.Provisioning;
using PeeringAutomation.Functions.Teardown;

namespace PeeringAutomation.Functions.Tests;

/// <summary>Who may ask, decided on the envelope account (ProvisioningWorld: requester 111…, accepter 222…, platform = hub 123…).</summary>
public sealed class WhoMayAskTests
{
    private const string RequesterAccount = "111111111111";
    private const string AccepterAccount = "222222222222";
    private const string Stranger = "333333333333";
    private readonly ProvisioningWorld world = new();

    private JsonObject EventFrom(string account, Action<JsonObject>? detail = null)
    {
        var envelope = world.Event(detail);
        envelope["account"] = account;
        return envelope;
    }

    private async Task<JsonNode> ValidateAsync(JsonObject envelope) =>
        await ProvisioningWorld.InvokeAsync(new ValidatePeeringRequestFunction(world.Services).Handle, ProvisioningWorld.IntakeInput(envelope));

    private static string FirstCode(JsonNode state) => state["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>();

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_AcceptsGivenAMemberAskingForItsOwnVpcIntoAConsentingVpc()
    {
        world.AccepterConsentsTo($"999999999999, {RequesterAccount}");

        var state = await world.ProvisionAsync(EventFrom(RequesterAccount));

        state["accepted"]!.GetValue<bool>().ShouldBeTrue(state.ToJsonString());
        world.Ledger.Records[RequestId.Parse("chg-42")].Asker.Account.ShouldBe(RequesterAccount);
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_AcceptsGivenTheConsentTagNamesTheRequesterVpc()
    {
        world.AccepterConsentsTo(world.RequesterVpc.Value);

        (await ValidateAsync(EventFrom(RequesterAccount)))["accepted"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_RefusesNamingTheAskerGivenAnotherAccountsVpcAsRequester()
    {
        world.AccepterConsentsTo("*");

        var state = await ValidateAsync(EventFrom(Stranger));

        FirstCode(state).ShouldBe("RequesterNotAuthorized");
        state["outcome"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain(Stranger);
        world.Ec2.Calls.ShouldBeEmpty("nothing is read for an asker who may not ask");
        world.Ledger.Records[RequestId.Parse("chg-42")].Status.ShouldBe(LedgerStatus.Rejected);
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_RefusesGivenAMemberAskingForIngressOnTheAcceptersGroups()
    {
        world.AccepterConsentsTo("*");
        var envelope = EventFrom(RequesterAccount, d => ((JsonObject)d["accepter"]!)["ingressFromPeer"] = new JsonArray(new JsonObject
        {
            ["securityGroupId"] = world.AccepterGroup.Value, ["protocol"] = "tcp", ["fromPort"] = 22, ["toPort"] = 22,
        }));

        var state = await ValidateAsync(envelope);

        FirstCode(state).ShouldBe("RequesterNotAuthorized");
        state["outcome"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain("accepter.ingressFromPeer");
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_AsksTheAccepterToApproveGivenNoTagAndAMemberAsker()
    {
        var state = await ValidateAsync(EventFrom(RequesterAccount));

        state["approvalRequested"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("AccepterConsentRequired");
        world.Ec2.Peerings.ShouldBeEmpty();
        world.Ledger.Locks.ShouldHaveSingleItem("the pair stays held while it waits");
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_RefusesGivenTheAccepterAccountAsksForAPeeringFromAnotherAccountsVpc()
    {
        // The accepter asking consents, but the requester VPC is not its to peer from.
        var envelope = EventFrom(AccepterAccount);

        var state = await ValidateAsync(envelope);

        FirstCode(state).ShouldBe("RequesterNotAuthorized", "a member asks only for peerings from its own VPC");
    }

    [Fact]
    public async Task ValidatePeeringRequestFunctionHandle_AcceptsAnyPairAndIngressGivenAPlatformAccount()
    {
        var state = await world.ProvisionAsync(EventFrom("123456789012", d => ((JsonObject)d["accepter"]!)["ingressFromPeer"] = new JsonArray(new JsonObject
        {
            ["securityGroupId"] = world.AccepterGroup.Value, ["protocol"] = "tcp", ["fromPort"] = 22, ["toPort"] = 22,
        })));

        state["accepted"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Theory]
    [InlineData(Stranger, false)]
    [InlineData(RequesterAccount, true)]
    [InlineData(AccepterAccount, true)]
    [InlineData("123456789012", true)]
    public async Task ResolveTeardownFunctionHandle_AllowsOnlyASideOrAPlatformAccount(string asker, bool allowed)
    {
        await world.ProvisionAsync(world.Event());
        var envelope = TeardownTests.TeardownEvent(new JsonObject { ["requestId"] = "chg-42" });
        envelope["account"] = asker;

        var resolved = await ProvisioningWorld.InvokeAsync(new ResolveTeardownFunction(world.Services).Handle, envelope);

        resolved["accepted"]!.GetValue<bool>().ShouldBe(allowed);
        if (!allowed)
        {
            resolved["outcome"]!["reasons"]![0]!["code"]!.GetValue<string>().ShouldBe("RequesterNotAuthorized");
            resolved["outcome"]!["reasons"]![0]!["message"]!.GetValue<string>().ShouldContain(Stranger);
        }
    }
}
