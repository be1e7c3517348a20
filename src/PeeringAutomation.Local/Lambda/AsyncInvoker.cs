using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PeeringAutomation.Local.Lambda;

/// <summary>
/// Lambda's asynchronous invocation (<c>InvocationType: Event</c>, rules, schedules): runs the
/// function in the background, retries a failure up to the function's MaximumRetryAttempts (one
/// second apart locally, not AWS's minutes), then sends the invocation record to the OnSuccess or
/// OnFailure destination as Lambda destinations do.
/// </summary>
public sealed partial class AsyncInvoker(Func<string, JsonObject, string, CancellationToken, Task> sendToDestination, ILogger<AsyncInvoker> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Task, byte> running = new();
    private readonly CancellationTokenSource stopping = new();

    /// <summary>How long a failed attempt waits before the retry (AWS waits about a minute, then two).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Queues the invocation and returns at once (the caller gets 202).</summary>
    public void Enqueue(LocalFunction function, byte[] payload)
    {
        var task = Task.Run(() => RunAsync(function, payload, stopping.Token));
        running[task] = 0;
        task.ContinueWith(t => running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task RunAsync(LocalFunction function, byte[] payload, CancellationToken ct)
    {
        var requestId = Guid.NewGuid().ToString();
        var attempts = 0;
        InvocationResult result;
        while (true)
        {
            attempts++;
            result = await FunctionRegistry.InvokeAsync(function, payload);
            if (!result.IsError || attempts > function.Plan.InvokeConfig.MaximumRetryAttempts || ct.IsCancellationRequested)
            {
                break;
            }
            LogRetry(function.Plan.Name, attempts, System.Text.Encoding.UTF8.GetString(result.Payload));
            await Task.Delay(RetryDelay, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        var destination = result.IsError ? function.Plan.InvokeConfig.OnFailure : function.Plan.InvokeConfig.OnSuccess;
        if (result.IsError)
        {
            LogFailed(function.Plan.Name, attempts, System.Text.Encoding.UTF8.GetString(result.Payload));
        }
        if (destination is null || ct.IsCancellationRequested)
        {
            return;
        }
        var record = InvocationRecord(function, requestId, payload, result, attempts);
        try
        {
            await sendToDestination(destination, record, result.IsError ? "Failure" : "Success", ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDestinationFailed(e, function.Plan.Name, destination);
        }
    }

    /// <summary>The record Lambda sends to a destination (version 1.0).</summary>
    internal static JsonObject InvocationRecord(LocalFunction function, string requestId, byte[] payload, InvocationResult result, int attempts)
    {
        var responseContext = new JsonObject { ["statusCode"] = 200, ["executedVersion"] = "$LATEST" };
        if (result.IsError)
        {
            responseContext["functionError"] = "Unhandled";
        }
        JsonNode? request;
        try
        {
            request = JsonNode.Parse(payload);
        }
        catch (System.Text.Json.JsonException)
        {
            request = System.Text.Encoding.UTF8.GetString(payload);
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = requestId,
                ["functionArn"] = function.Plan.Arn + ":$LATEST",
                ["condition"] = result.IsError ? "RetriesExhausted" : "Success",
                ["approximateInvokeCount"] = attempts,
            },
            ["requestPayload"] = request,
            ["responseContext"] = responseContext,
            ["responsePayload"] = result.PayloadJson(),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(running.Keys).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Async invocation of {Function} failed (attempt {Attempt}), retrying: {Error}")]
    private partial void LogRetry(string function, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Async invocation of {Function} failed after {Attempts} attempts: {Error}")]
    private partial void LogFailed(string function, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not send the result of {Function} to its destination {Destination}")]
    private partial void LogDestinationFailed(Exception e, string function, string destination);
}
