using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using PeeringAutomation.Local.Deploy;
using PeeringAutomation.Local.EventBus;

namespace PeeringAutomation.Local.Bridge;

/// <summary>
/// Drains each rule's SQS bridge queue and delivers every event to the rule's real targets
/// (state machine, function, topic) through <see cref="TargetDispatcher"/>. moto long-polls, so an
/// event reaches its target within milliseconds of PutEvents. The long poll is as long as SQS
/// allows (20 s): an idle bridge costs moto one request per rule every 20 s, not every 2 s.
/// </summary>
public sealed partial class RuleBridge(
    DeployedStack stack, IAmazonSQS sqs, TargetDispatcher dispatcher, ILogger<RuleBridge> logger, EventBus.EventSenders? senders = null) : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Fault injection's say in how many copies of each delivery to make (EventBridge delivers at least once).</summary>
    public Faults.DuplicateDelivery? Duplicates { get; init; }

    /// <summary>Where an event goes when its delivery fails for good; null drops it.</summary>
    public DeadLetters? DeadLetters { get; init; }
    private readonly List<Task> drainers = [];

    /// <summary>Starts one drainer per bridged rule.</summary>
    public void Start()
    {
        foreach (var rule in stack.Plan.Rules.Where(r => stack.BridgeQueueUrls.ContainsKey(r.Name)))
        {
            var url = stack.BridgeQueueUrls[rule.Name];
            drainers.Add(Task.Run(() => DrainAsync(rule, url, stopping.Token)));
        }
    }

    private async Task DrainAsync(RulePlan rule, string queueUrl, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 20 }, ct);
                foreach (var message in response.Messages ?? [])
                {
                    await DeliverAsync(rule, message.Body, ct);
                    await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogDrainFailed(e, rule.Name);
                await Task.Delay(500, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task DeliverAsync(RulePlan rule, string body, CancellationToken ct)
    {
        var envelope = EventText.Parse(body) as JsonObject ?? [];
        // moto adds its own bookkeeping field; EventBridge's envelope has no such field.
        envelope.Remove("ingestion-time");
        envelope.Remove("archive-arn");
        if (senders is not null)
        {
            await senders.RestoreAsync(envelope, ct);
        }
        var eventId = envelope["id"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
        foreach (var target in rule.Targets.Where(t => t.Kind != TargetKind.Native))
        {
            // A duplicate is the same event (same id) delivered again, as EventBridge may. Its
            // execution is named <event id>-2: under the same name Step Functions would treat
            // it as a retry of the first StartExecution and start nothing (on AWS, rule targets
            // pass no name, so both runs get generated names).
            var copies = Duplicates?.Copies() ?? 1;
            for (var copy = 1; copy <= copies; copy++)
            {
                await DeliverWithRetriesAsync(rule, target, envelope, copy == 1 ? eventId : $"{eventId}-{copy}", ct);
            }
        }
    }

    /// <summary>Delivers to one target with the target's RetryPolicy (capped locally), then dead-letters.</summary>
    private async Task DeliverWithRetriesAsync(RulePlan rule, TargetPlan target, JsonObject envelope, string name, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await dispatcher.DeliverAsync(target, TargetInput.For(target, envelope), name, ct);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var retriable = DeadLetters.IsRetriable(e);
                if (retriable && attempt < Math.Min(target.RetryPolicy.MaximumRetryAttempts, DeadLetters.LocalRetryCap))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    continue;
                }
                LogDeliveryFailed(e, rule.Name, target.Arn, name);
                try
                {
                    if (DeadLetters is { } deadLetters)
                    {
                        await deadLetters.SendAsync(rule, target, envelope, e, attempt, retriable, ct);
                    }
                }
                catch (Exception dead) when (dead is not OperationCanceledException)
                {
                    LogDeliveryFailed(dead, rule.Name, target.DeadLetterArn ?? "-", name);
                }
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(drainers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining the bridge queue of rule {Rule} failed; retrying")]
    private partial void LogDrainFailed(Exception e, string rule);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rule {Rule} could not deliver event {EventId} to {Target}")]
    private partial void LogDeliveryFailed(Exception e, string rule, string target, string eventId);
}

/// <summary>A target's Input (constant JSON) or InputPath (simple <c>$.a.b</c> path) applied to an event.</summary>
internal static class TargetInput
{
    public static JsonNode? For(TargetPlan target, JsonObject envelope)
    {
        if (target.Input is not null)
        {
            return JsonNode.Parse(target.Input);
        }
        if (target.InputPath is null || target.InputPath == "$")
        {
            return envelope.DeepClone();
        }
        JsonNode? node = envelope;
        foreach (var part in target.InputPath.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node?[part];
        }
        return node?.DeepClone();
    }
}
