using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Local.EventBus;

namespace PeeringAutomation.Local.Hosting;

/// <summary>
/// Collects the automation's outcome events: a rule on the bus sends every event of the given
/// sources to an SQS queue, which a background loop drains into memory. Drained all the time, not
/// only while someone waits: moto recounts a queue's messages on every SendMessage, so an undrained
/// queue of thousands of findings slows every event the bus delivers (a profile of a 2,000-VPC
/// sweep: a quarter of moto's time).
/// </summary>
internal sealed class OutcomeTap : IAsyncDisposable
{
    private const string Name = "local-outcomes";
    private readonly List<JsonObject> outcomes = [];
    private readonly IAmazonSQS sqs;
    private readonly string queueUrl;
    private readonly CancellationTokenSource draining = new();
    private readonly Task drainer;

    private OutcomeTap(IAmazonSQS sqs, string queueUrl)
    {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        drainer = Task.Run(() => DrainAsync(draining.Token));
    }

    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Outcome events collected so far (envelopes), oldest first.</summary>
    public IReadOnlyList<JsonObject> Outcomes
    {
        get
        {
            lock (outcomes)
            {
                return outcomes.ToList();
            }
        }
    }

    /// <summary>
    /// The outcomes collected from position <paramref name="from"/> on, and a task that completes
    /// when more arrive after them: a waiter looks at each outcome once and sleeps until the next.
    /// </summary>
    public (IReadOnlyList<JsonObject> Outcomes, Task MoreArrived) Since(int from)
    {
        lock (outcomes)
        {
            return (outcomes.Skip(from).ToList(), arrived.Task);
        }
    }

    /// <summary>Creates the queue and the rule that fills it, and starts draining it.</summary>
    public static async Task<OutcomeTap> StartAsync(
        LocalAwsClient aws,
        IAmazonSQS sqs,
        string region,
        string accountId,
        string busName,
        IReadOnlyList<string> sources,
        CancellationToken ct)
    {
        var queueUrl = (await sqs.CreateQueueAsync(Name, ct)).QueueUrl;
        var sourceList = new JsonArray(sources.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        var pattern = new JsonObject { ["source"] = sourceList };
        var rule = new JsonObject { ["Name"] = Name, ["EventPattern"] = pattern.ToJsonString() };
        if (busName != "default")
        {
            rule["EventBusName"] = busName;
        }
        await aws.EventsAsync("PutRule", rule, ct);
        var targets = new JsonObject
        {
            ["Rule"] = Name,
            ["Targets"] = new JsonArray(new JsonObject
            {
                ["Id"] = "outcomes",
                ["Arn"] = $"arn:aws:sqs:{region}:{accountId}:{Name}",
                ["InputTransformer"] = new JsonObject { ["InputTemplate"] = "<aws.events.event.json>" },
            }),
        };
        if (busName != "default")
        {
            targets["EventBusName"] = busName;
        }
        await aws.EventsAsync("PutTargets", targets, ct);
        return new OutcomeTap(sqs, queueUrl);
    }

    public async ValueTask DisposeAsync()
    {
        await draining.CancelAsync();
        await drainer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        draining.Dispose();
    }

    private async Task DrainAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await CollectAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Task.Delay(200, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task CollectAsync(CancellationToken ct)
    {
        var request = new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 20 };
        var response = await sqs.ReceiveMessageAsync(request, ct);
        var messages = response.Messages ?? [];
        foreach (var message in messages)
        {
            if (EventText.Parse(message.Body) is JsonObject envelope)
            {
                envelope.Remove("ingestion-time");
                lock (outcomes)
                {
                    outcomes.Add(envelope);
                }
            }
        }
        if (messages.Count == 0)
        {
            return;
        }
        TaskCompletionSource woken;
        lock (outcomes)
        {
            woken = arrived;
            arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        woken.SetResult();
        // One round trip for the batch, not one per message (a sweep emits thousands of findings).
        var entries = messages
            .Select((m, i) =>
                new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle))
            .ToList();
        await sqs.DeleteMessageBatchAsync(queueUrl, entries, ct);
    }
}
