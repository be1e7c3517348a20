using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Aws;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// The AWS behaviour layer: middleware in front of the forwarding to moto that makes the EC2 calls
/// the product depends on answer as AWS does where moto is kinder (README "Where moto differs from AWS"). Each
/// behaviour is its own class in this folder; this one only recognises the calls and dispatches.
/// EC2 is the query protocol: a form with <c>Action=…</c>, an XML answer.
/// </summary>
public sealed class BehaviourLayer : IDisposable
{
    private readonly HttpClient motoHttp;
    private readonly AccountClients motoClients;
    private readonly CallerIdentities callers;
    private readonly PeeringCalls peerings;
    private readonly DefaultNaclEntries nacls;
    private readonly ILogger logger;

    public BehaviourLayer(BehaviourSettings settings, Uri moto, string hubAccountId, string hubRegion, string memberRoleName, ILogger logger, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        this.logger = logger;
        motoHttp = new HttpClient { BaseAddress = moto, Timeout = TimeSpan.FromSeconds(30) };
        // The layer's own look-ups (VPC blocks, who a key is) go to moto directly, not through itself.
        motoClients = new AccountClients(moto, hubAccountId, hubRegion, memberRoleName);
        callers = new CallerIdentities(motoHttp);
        Lag = new InterRegionLag(settings.InterRegionLag, clock);
        Expiry = new PendingExpiry(settings.PendingExpiry, clock);
        peerings = new PeeringCalls(new PeeringBook(), Lag, new OverlapFailure(motoClients), Expiry, clock);
        nacls = new DefaultNaclEntries(motoClients);
    }

    /// <summary>The inter-region lag, adjustable while running (tests hold a peering in <c>initiating-request</c>).</summary>
    public InterRegionLag Lag { get; }

    /// <summary>The lifetime of a pending peering, adjustable while running.</summary>
    public PendingExpiry Expiry { get; }

    /// <summary>Puts the layer into the host's pipeline (before the forwarding to moto is mapped).</summary>
    public void Use(IApplicationBuilder app) => app.Use(HandleAsync);

    private async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        var form = await Ec2Wire.ReadFormAsync(context.Request, context.RequestAborted);
        var action = form?["Action"].ToString();
        if (form is null || action is null || !(PeeringCalls.Actions.Contains(action) || action == "DescribeNetworkAcls"))
        {
            await next(context);
            return;
        }
        var caller = await callers.ResolveAsync(context.Request, context.RequestAborted);
        if (caller is null)
        {
            await next(context);
            return;
        }
        logger.LogDebug("behaviour layer: {Action} by {Account} in {Region}", action, caller.Account, caller.Region);
        if (action == "DescribeNetworkAcls")
        {
            await nacls.HandleAsync(context, caller, next);
        }
        else
        {
            await peerings.HandleAsync(context, form, action, caller, next);
        }
    }

    public void Dispose()
    {
        motoClients.Dispose();
        motoHttp.Dispose();
    }
}
