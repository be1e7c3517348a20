using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PeeringAutomation.Functions.Hosting;

/// <summary>Writes a handler's result as the stream Lambda returns.</summary>
public static class FunctionJson
{
    public static async Task<Stream> SerializeAsync<T>(T value, JsonTypeInfo<T> type)
    {
        var output = new MemoryStream();
        await JsonSerializer.SerializeAsync(output, value, type);
        output.Position = 0;
        return output;
    }
}
