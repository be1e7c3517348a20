using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.EventBus;

/// <summary>
/// Does for PutEvents what EventBridge does and moto does not: finds the caller's account from its
/// access key, evaluates the target bus's resource policy entry by entry (refused entries come back
/// with EventBridge's error codes, the others are delivered), and delivers to a bus in another
/// account — moto looks a bus name or ARN up in the caller's own account, so a member's put on the
/// hub bus would be lost or land on a same-named bus of its own. Events a member put on the hub bus
/// are forwarded as the hub, and <see cref="EventSenders"/> restores the member's account in the
/// envelope. Calls that need none of this pass through untouched.
/// </summary>
public sealed class PutEventsGate(
    Uri moto, string region, IReadOnlyList<BusPolicy> policies, PutEventsCallers callers, EventSenders senders,
    Func<string, Task<string>> accessKeyOfAccount) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = moto, Timeout = TimeSpan.FromSeconds(60) };

    public void Use(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Headers["X-Amz-Target"].ToString() != "AWSEvents.PutEvents")
        {
            await next(context);
            return;
        }
        context.Request.EnableBuffering();
        var body = JsonNode.Parse(await new StreamReader(context.Request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted)) as JsonObject;
        context.Request.Body.Position = 0;
        var entries = (body?["Entries"] as JsonArray)?.OfType<JsonObject>().ToList();
        if (entries is null || entries.Count == 0)
        {
            await next(context);
            return;
        }
        var caller = await callers.ResolveAsync(context.Request, context.RequestAborted);
        var routed = entries.Select(e => Route(e, caller)).ToList();
        if (routed.All(r => r.Decision.Allowed && r.DeliverAs == caller.Account && r.Policy is null))
        {
            await next(context);
            return;
        }
        var answer = await DeliverAsync(entries, routed, caller, context.Request.Headers.Authorization.ToString(), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-amz-json-1.1";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    });

    private (EntryDecision Decision, string DeliverAs, string BusName, BusPolicy? Policy) Route(JsonObject entry, Caller caller)
    {
        var bus = entry["EventBusName"]?.GetValue<string>() ?? "default";
        var (account, name) = bus.StartsWith("arn:", StringComparison.Ordinal) && bus.Split(':') is { Length: 6 } parts
            ? (parts[4], parts[5]["event-bus/".Length..])
            : (caller.Account, bus);
        var policy = policies.FirstOrDefault(p => p.BusAccount == account && p.BusName == name);
        var decision = policy?.Decide(caller, entry["Source"]?.GetValue<string>(), entry["DetailType"]?.GetValue<string>()) ?? EntryDecision.Allow;
        return (decision, account, name, policy);
    }

    private async Task<JsonObject> DeliverAsync(
        IReadOnlyList<JsonObject> entries, IReadOnlyList<(EntryDecision Decision, string DeliverAs, string BusName, BusPolicy? Policy)> routed,
        Caller caller, string authorization, CancellationToken ct)
    {
        var results = new JsonNode?[entries.Count];
        using var inFlight = senders.BeginPut();
        foreach (var group in Enumerable.Range(0, entries.Count).Where(i => routed[i].Decision.Allowed).GroupBy(i => routed[i].DeliverAs))
        {
            var forwarded = new JsonArray(group.Select(i =>
            {
                var copy = (JsonObject)entries[i].DeepClone();
                copy["EventBusName"] = routed[i].BusName;
                return (JsonNode)copy;
            }).ToArray());
            var key = group.Key == caller.Account ? PutEventsCallers.AccessKeyOf(authorization) ?? PutEventsCallers.HubKey : await accessKeyOfAccount(group.Key);
            var answer = await PostAsync(new JsonObject { ["Entries"] = forwarded }, key, ct);
            var answered = (answer["Entries"] as JsonArray)?.ToList() ?? [];
            foreach (var (index, result) in group.Zip(answered))
            {
                results[index] = result?.DeepClone();
                if (caller.Account != group.Key && result?["EventId"]?.GetValue<string>() is { } eventId)
                {
                    senders.Record(eventId, caller.Account);
                }
            }
        }
        for (var i = 0; i < entries.Count; i++)
        {
            results[i] ??= routed[i].Decision.Allowed
                ? new JsonObject { ["ErrorCode"] = "InternalFailure", ["ErrorMessage"] = "not delivered" }
                : new JsonObject { ["ErrorCode"] = routed[i].Decision.ErrorCode, ["ErrorMessage"] = routed[i].Decision.ErrorMessage };
        }
        return new JsonObject
        {
            ["FailedEntryCount"] = results.Count(r => r?["ErrorCode"] is not null),
            ["Entries"] = new JsonArray(results),
        };
    }

    private async Task<JsonObject> PostAsync(JsonObject body, string accessKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSEvents.PutEvents");
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={accessKey}/{DateTime.UtcNow:yyyyMMdd}/{region}/events/aws4_request, SignedHeaders=host, Signature=0");
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        using var response = await http.SendAsync(request, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) as JsonObject ?? [];
    }

    public void Dispose() => http.Dispose();
}
