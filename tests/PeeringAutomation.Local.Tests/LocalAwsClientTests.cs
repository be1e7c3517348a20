using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Moto;

namespace PeeringAutomation.Local.Tests;

/// <summary>The local stack's own AWS client against a scripted server: which 5xx answers it asks again.</summary>
public sealed class LocalAwsClientTests
{
    [Fact]
    public async Task StepFunctionsDescribe_AsksAgainGivenAServerErrorThenAnswers()
    {
        using var server = new ScriptedServer([500, 500, 200]);
        using var client = new LocalAwsClient(server.Endpoint, "us-east-1");

        var answer = await client.StepFunctionsAsync("DescribeExecution", new JsonObject { ["executionArn"] = "arn" });

        answer["status"]!.GetValue<string>().ShouldBe("SUCCEEDED");
        server.Requests.ShouldBe(3);
    }

    [Fact]
    public async Task EventsPut_FailsAtOnceGivenAServerError()
    {
        // Not a read: asking again could put the events twice.
        using var server = new ScriptedServer([500, 200]);
        using var client = new LocalAwsClient(server.Endpoint, "us-east-1");

        var error = await Should.ThrowAsync<LocalAwsError>(() => client.EventsAsync("PutEvents", new JsonObject()));

        error.ServerSide.ShouldBeTrue();
        server.Requests.ShouldBe(1);
    }

    [Fact]
    public async Task StepFunctionsDescribe_FailsAtOnceGivenAClientError()
    {
        using var server = new ScriptedServer([400, 200]);
        using var client = new LocalAwsClient(server.Endpoint, "us-east-1");

        var error = await Should.ThrowAsync<LocalAwsError>(() => client.StepFunctionsAsync("DescribeExecution", new JsonObject()));

        error.ServerSide.ShouldBeFalse();
        server.Requests.ShouldBe(1);
    }

    /// <summary>Answers each request with the next status of its script (a 200 carries a small JSON body).</summary>
    private sealed class ScriptedServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Queue<int> script;
        private int requests;

        public ScriptedServer(IEnumerable<int> statuses)
        {
            script = new Queue<int>(statuses);
            Endpoint = new Uri($"http://127.0.0.1:{MotoServer.FreeLoopbackPort()}/");
            listener.Prefixes.Add(Endpoint.ToString());
            listener.Start();
            _ = ServeAsync();
        }

        public Uri Endpoint { get; }

        public int Requests => Volatile.Read(ref requests);

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (!listener.IsListening)
                {
                    return;
                }
                Interlocked.Increment(ref requests);
                var status = script.Count > 0 ? script.Dequeue() : 200;
                var body = status == 200 ? """{"status":"SUCCEEDED"}""" : """{"__type":"InternalFailure","message":"boom"}""";
                context.Response.StatusCode = status;
                var bytes = Encoding.UTF8.GetBytes(body);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        public void Dispose() => listener.Close();
    }
}
