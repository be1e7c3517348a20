using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Faults;

/// <summary>
/// Seeded fault injection for the local stack (<c>up --faults</c>, <see cref="Hosting.LocalCloudOptions.Faults"/>):
/// EC2/STS throttling and 5xx and Lambda service errors as a middleware in front of everything
/// the host serves, duplicate deliveries through the rule bridge. Armed once the stack is
/// deployed and its world built, so start-up itself never fails on an injected fault; counts
/// start there too. Local only: nothing like it is deployed.
/// </summary>
public sealed class FaultInjection
{
    private volatile bool armed;

    public FaultInjection(FaultSettings settings)
    {
        Settings = settings;
        Dice = new FaultDice(settings.Seed);
        Duplicates = new DuplicateDelivery(this);
    }

    /// <summary>The shares and the seed in force.</summary>
    public FaultSettings Settings { get; private set; }

    /// <summary>Calls made and faults injected since arming (or the last <see cref="Set"/>).</summary>
    public FaultCounts Counts { get; } = new();

    /// <summary>What the rule bridge asks before each delivery.</summary>
    public DuplicateDelivery Duplicates { get; }

    internal FaultDice Dice { get; private set; }

    internal bool Armed => armed;

    /// <summary>Starts injecting (and counting).</summary>
    public void Arm() => armed = true;

    /// <summary>Replaces the settings (draws restart from the new seed, counts from zero): tests switch faults on and off on a running stack.</summary>
    public void Set(FaultSettings settings)
    {
        Dice = new FaultDice(settings.Seed);
        Settings = settings;
        Counts.Reset();
    }

    /// <summary>Adds the middleware; it passes everything through until armed, and whatever no fault applies to.</summary>
    public void Use(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (armed && await TryInjectAsync(context))
        {
            return;
        }
        await next(context);
    });

    private async Task<bool> TryInjectAsync(HttpContext context)
    {
        var settings = Settings;
        if (AwsQueryErrors.ServiceOf(context.Request) is { } service)
        {
            Counts.AwsCall(service);
            if (settings.Throttle + settings.Server <= 0)
            {
                return false;
            }
            // One draw decides: below throttle a throttle, then a 5xx, whose kind the rest of the draw picks.
            var roll = Dice.NextAwsCall();
            if (roll < settings.Throttle)
            {
                Counts.Throttled();
                await ThrottleFault.WriteAsync(context, service);
                return true;
            }
            if (roll < settings.Throttle + settings.Server)
            {
                Counts.ServerError();
                await ServerErrorFault.WriteAsync(context, service, unavailable: (roll - settings.Throttle) / settings.Server >= 0.5);
                return true;
            }
            return false;
        }
        if (LambdaServiceFault.IsInvoke(context.Request))
        {
            Counts.Invocation();
            if (settings.Lambda <= 0)
            {
                return false;
            }
            var roll = Dice.NextInvocation();
            if (roll < settings.Lambda)
            {
                Counts.InvocationFailed();
                await LambdaServiceFault.WriteAsync(context, tooManyRequests: roll / settings.Lambda >= 0.5);
                return true;
            }
        }
        return false;
    }
}
