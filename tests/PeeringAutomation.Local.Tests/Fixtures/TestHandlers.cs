using System.Text.Json.Nodes;
using PeeringAutomation.Core;

namespace PeeringAutomation.Local.Tests.Fixtures;

/// <summary>Handlers for the fixture template, with the production signature Task&lt;Stream&gt; Handle(Stream).</summary>
public static class TestHandlers
{
    /// <summary>Returns {"echo": input, "handledBy": ..., "invocations": n} (n proves one instance is reused).</summary>
    public sealed class Echo
    {
        private int invocations;

        public async Task<Stream> Handle(Stream input)
        {
            var node = await JsonNode.ParseAsync(input);
            var count = Interlocked.Increment(ref invocations);
            var output = new JsonObject
            {
                ["echo"] = node?.DeepClone(),
                ["handledBy"] = "Echo",
                ["invocations"] = count,
                ["endpoint"] = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"),
                ["managedAccounts"] = Environment.GetEnvironmentVariable("MANAGED_ACCOUNT_IDS"),
            };
            return new MemoryStream(System.Text.Encoding.UTF8.GetBytes(output.ToJsonString()));
        }
    }

    /// <summary>Always throws <see cref="PeeringConflict"/> (its simple name is the Step Functions error).</summary>
    public sealed class Fail
    {
        public Task<Stream> Handle(Stream input) =>
            throw new PeeringConflict(Environment.GetEnvironmentVariable("FAIL_MESSAGE") ?? "refused");
    }

    /// <summary>Takes longer than its 1-second Timeout.</summary>
    public sealed class Slow
    {
        public async Task<Stream> Handle(Stream input)
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            return new MemoryStream("{}"u8.ToArray());
        }
    }
}
