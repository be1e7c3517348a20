using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace PeeringAutomation.Local.Aws;

/// <summary>
/// A deliberately tiny client for the few Step Functions, EventBridge, SNS, CloudWatch Logs and DynamoDB calls
/// the local stack makes itself. The package mirror serves no AWSSDK.StepFunctions, AWSSDK.EventBridge
/// or AWSSDK.SimpleNotificationService, and moto checks no signatures, so a plain HTTP call with the
/// service's wire protocol (awsJson for the first, query for SNS) is all that is needed. Without an
/// Authorization header moto treats the caller as the hub account 123456789012.
/// </summary>
public sealed class LocalAwsClient(Uri endpoint, string region, string accessKey = "testing") : IDisposable
{
    private readonly HttpClient http = Behaviour.Readiness.MarkInternal(new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>The region requests are filed under (moto reads it from the signing scope).</summary>
    public string Region { get; } = region;

    /// <summary>Calls an awsJson operation, e.g. <c>("AWSStepFunctions", "1.0", "StartExecution", body)</c>.</summary>
    public async Task<JsonObject> JsonAsync(string targetPrefix, string jsonVersion, string service, string operation, JsonObject body, CancellationToken ct = default)
    {
        // A read that meets a 5xx is asked again, as the AWS SDKs' standard retry mode does: moto's
        // Step Functions engine runs executions on threads, and a Describe that reads an execution
        // while its thread writes it can fail with a 500 on a busy machine (seen under load).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendJsonAsync(targetPrefix, jsonVersion, service, operation, body, ct);
            }
            catch (LocalAwsError error) when (error.ServerSide && attempt < ReadAttempts && IsRead(operation))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct);
            }
        }
    }

    private const int ReadAttempts = 4;

    private static bool IsRead(string operation) =>
        operation.StartsWith("Describe", StringComparison.Ordinal) || operation.StartsWith("List", StringComparison.Ordinal)
        || operation.StartsWith("Get", StringComparison.Ordinal);

    private async Task<JsonObject> SendJsonAsync(string targetPrefix, string jsonVersion, string service, string operation, JsonObject body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", $"{targetPrefix}.{operation}");
        request.Headers.TryAddWithoutValidation("Authorization", FakeAuthorization(service));
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue($"application/x-amz-json-{jsonVersion}");
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            var node = TryParse(text);
            var type = node?["__type"]?.GetValue<string>() ?? response.StatusCode.ToString();
            var message = node?["message"]?.GetValue<string>() ?? node?["Message"]?.GetValue<string>() ?? text;
            throw new LocalAwsError(type[(type.LastIndexOf('#') + 1)..], $"{service} {operation}: {message}")
            {
                ServerSide = (int)response.StatusCode >= 500,
            };
        }
        return TryParse(text) as JsonObject ?? [];
    }

    /// <summary>Calls a query-protocol operation (SNS) and returns the XML response.</summary>
    public async Task<XDocument> QueryAsync(string service, string version, string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken ct = default)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", version) };
        form.AddRange(parameters);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new FormUrlEncodedContent(form) };
        request.Headers.TryAddWithoutValidation("Authorization", FakeAuthorization(service));
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new LocalAwsError(response.StatusCode.ToString(), $"{service} {action}: {text}");
        }
        return XDocument.Parse(text);
    }

    public Task<JsonObject> StepFunctionsAsync(string operation, JsonObject body, CancellationToken ct = default) =>
        JsonAsync("AWSStepFunctions", "1.0", "states", operation, body, ct);

    public Task<JsonObject> EventsAsync(string operation, JsonObject body, CancellationToken ct = default) =>
        JsonAsync("AWSEvents", "1.1", "events", operation, body, ct);

    public Task<JsonObject> DynamoDbAsync(string operation, JsonObject body, CancellationToken ct = default) =>
        JsonAsync("DynamoDB_20120810", "1.0", "dynamodb", operation, body, ct);

    public Task<JsonObject> LogsAsync(string operation, JsonObject body, CancellationToken ct = default) =>
        JsonAsync("Logs_20140328", "1.1", "logs", operation, body, ct);

    public Task<XDocument> SnsAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken ct = default) =>
        QueryAsync("sns", "2010-03-31", action, parameters, ct);

    public void Dispose() => http.Dispose();

    // moto reads only the access key (account) and the region from the credential scope; the
    // signature itself is never checked. "testing" is the hub account.
    private string FakeAuthorization(string service) =>
        $"AWS4-HMAC-SHA256 Credential={accessKey}/{DateTime.UtcNow:yyyyMMdd}/{Region}/{service}/aws4_request, SignedHeaders=host, Signature=0";

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>An AWS error answer from moto to one of the local stack's own calls.</summary>
public sealed class LocalAwsError(string code, string message) : Exception(message)
{
    /// <summary>The AWS error code, e.g. <c>ExecutionDoesNotExist</c>.</summary>
    public string Code { get; } = code;

    /// <summary>The service answered 5xx: its fault, not the request's (a read may be asked again).</summary>
    public bool ServerSide { get; init; }
}
