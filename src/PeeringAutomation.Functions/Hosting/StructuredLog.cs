using System.Text;
using System.Text.Json;

namespace PeeringAutomation.Functions.Hosting;

/// <summary>
/// One JSON object per line on stdout (Lambda ships stdout to CloudWatch Logs), always with the
/// step and the request id, and the peering id, account and region when known. Metrics are
/// CloudWatch Embedded Metric Format lines on the same stream.
/// </summary>
public sealed class StructuredLog(string step, TextWriter? output = null)
{
    public const string MetricNamespace = "PeeringAutomation";

    private static readonly object Gate = new();
    private readonly TextWriter output = output ?? Console.Out;

    public string? RequestId { get; set; }

    public string? PeeringId { get; set; }

    public string? Account { get; set; }

    public string? Region { get; set; }

    public void Info(string message, params (string Key, object? Value)[] fields) => Write("INFO", message, fields);

    public void Warn(string message, params (string Key, object? Value)[] fields) => Write("WARN", message, fields);

    public void Error(string message, Exception error, params (string Key, object? Value)[] fields) =>
        Write("ERROR", message, [.. fields, ("errorType", error.GetType().Name), ("errorMessage", error.Message)]);

    /// <summary>Emits one EMF count metric (dimension: Step).</summary>
    public void Count(string metric, int value = 1) => Count(metric, value, null);

    /// <summary>
    /// Emits one EMF count metric with the dimensions Step and <paramref name="dimension"/> (a
    /// low-cardinality value such as a rejection code; never an id).
    /// </summary>
    public void CountBy(string metric, string dimension, string dimensionValue, int value = 1) =>
        Count(metric, value, (dimension, dimensionValue));

    private void Count(string metric, int value, (string Name, string Value)? extra)
    {
        var line = Json(writer =>
        {
            writer.WriteStartObject("_aws");
            writer.WriteNumber("Timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            writer.WriteStartArray("CloudWatchMetrics");
            writer.WriteStartObject();
            writer.WriteString("Namespace", MetricNamespace);
            writer.WriteStartArray("Dimensions");
            writer.WriteStartArray();
            writer.WriteStringValue("Step");
            if (extra is { } dimension)
            {
                writer.WriteStringValue(dimension.Name);
            }
            writer.WriteEndArray();
            writer.WriteEndArray();
            writer.WriteStartArray("Metrics");
            writer.WriteStartObject();
            writer.WriteString("Name", metric);
            writer.WriteString("Unit", "Count");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteString("Step", step);
            if (extra is { } dimensionValue)
            {
                writer.WriteString(dimensionValue.Name, dimensionValue.Value);
            }
            writer.WriteNumber(metric, value);
            WriteContext(writer);
        });
        Emit(line);
    }

    private void Write(string level, string message, (string Key, object? Value)[] fields)
    {
        var line = Json(writer =>
        {
            writer.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("O"));
            writer.WriteString("level", level);
            writer.WriteString("step", step);
            writer.WriteString("message", message);
            WriteContext(writer);
            foreach (var (key, value) in fields)
            {
                writer.WriteString(key, value?.ToString());
            }
        });
        Emit(line);
    }

    private void WriteContext(Utf8JsonWriter writer)
    {
        WriteIfSet(writer, "requestId", RequestId);
        WriteIfSet(writer, "peeringId", PeeringId);
        WriteIfSet(writer, "account", Account);
        WriteIfSet(writer, "region", Region);
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private void Emit(string line)
    {
        lock (Gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
