using System.Text.Json;
using PeeringAutomation.Core.Notifications;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Notifications;

/// <summary>Where an automation event goes besides the hub bus: the default bus of each member account it concerns.</summary>
public sealed record MemberDeliveryPlan(IReadOnlyList<string> EventBusArns);

/// <summary>First step of ForwardToMembers: the member buses an outcome, approval request or finding is copied to.</summary>
public sealed class PlanMemberDeliveriesFunction(Services? services)
{
    public PlanMemberDeliveriesFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var document = await EventJson.ParseAsync(input);
        var settings = Services.Settings;
        var accounts = MemberDeliveries.AccountsConcerned(EventEnvelope.DetailOf(document.RootElement), settings.Policy, settings.Aws.HubAccount.Value);
        var plan = new MemberDeliveryPlan(accounts.Select(a => $"arn:aws:events:{settings.HomeRegion}:{a}:event-bus/default").ToList());
        new StructuredLog("PlanMemberDeliveries").Info("member deliveries planned", ("accounts", plan.EventBusArns.Count));
        return await FunctionJson.SerializeAsync(plan, PeeringJsonContext.Default.MemberDeliveryPlan);
    }
}
