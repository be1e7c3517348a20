using System.Text.Json.Nodes;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// The host listens before the stack is deployed (the deployer and the world builder call through
/// it). Until everything is deployed — bus, rules, bridge queues drained, state machines, world —
/// an event put on the bus could match no rule and be lost. So outside calls get 503 until then,
/// and <c>GET /local/health</c> says ready or not and what is deployed (200 when ready, 503 before:
/// <c>curl -sf</c> loops work). The stack's own clients carry <see cref="InternalHeader"/>.
/// </summary>
public sealed class Readiness
{
    /// <summary>The header the stack's own clients send; its value is secret to this process.</summary>
    public const string InternalHeader = "X-Peering-Automation-Local";

    public static string InternalToken { get; } = Guid.NewGuid().ToString("N");

    private volatile JsonObject? deployed;

    public bool IsReady => deployed is not null;

    /// <summary>Opens the gate and records what /local/health reports.</summary>
    public void MarkReady(JsonObject whatIsDeployed) => deployed = whatIsDeployed;

    /// <summary>Maps /local/health and gates every other request until ready.</summary>
    public void Use(WebApplication app, string behaviour)
    {
        app.MapGet("/local/health", () =>
        {
            var ready = deployed;
            var body = new JsonObject
            {
                ["status"] = ready is null ? "not ready" : "ready",
                ["behaviour"] = behaviour,
                ["deployed"] = ready?.DeepClone(),
            };
            return Results.Json(body, statusCode: ready is null ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        });
        app.Use(async (context, next) =>
        {
            if (IsReady || context.Request.Path.StartsWithSegments("/local/health")
                || context.Request.Headers[InternalHeader] == InternalToken)
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsJsonAsync(new
            {
                message = "The local stack is still deploying (template, bridge, world): nothing is listening on the bus yet. Wait until GET /local/health answers 200 (status: ready), then retry.",
            });
        });
    }

    /// <summary>What /local/health reports as deployed.</summary>
    public static JsonObject Summary(Deploy.StackPlan plan, World.BuiltWorld world) => new()
    {
        ["buses"] = new JsonArray(plan.Buses.Select(b => (JsonNode)JsonValue.Create(b.Name)).ToArray()),
        ["stateMachines"] = new JsonArray(plan.StateMachines.Select(m => (JsonNode)JsonValue.Create(m.Name)).ToArray()),
        ["rules"] = plan.Rules.Count,
        ["functions"] = plan.Functions.Count,
        ["accounts"] = world.Spec.Accounts.Count,
        ["vpcs"] = world.Vpcs.Count,
    };

    /// <summary>Marks an SDK client's requests as the stack's own.</summary>
    public static T MarkInternal<T>(T client)
    {
        if (client is AmazonServiceClient service)
        {
            service.BeforeRequestEvent += (_, e) =>
            {
                if (e is WebServiceRequestEventArgs web)
                {
                    web.Headers[InternalHeader] = InternalToken;
                }
            };
        }
        return client;
    }

    /// <summary>Marks a plain HTTP client's requests as the stack's own.</summary>
    public static HttpClient MarkInternal(HttpClient client)
    {
        client.DefaultRequestHeaders.TryAddWithoutValidation(InternalHeader, InternalToken);
        return client;
    }
}
