using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Moto;

namespace PeeringAutomation.Local.Tests;

/// <summary>
/// What the moto launcher patches for speed answers as moto did: queue attributes computed when
/// read, ANTLR's parse tree kept per state-machine definition while each execution gets its own
/// evaluation state, and moto's app served over kept-alive connections.
/// </summary>
public sealed class MotoBootstrapTests(MotoBootstrapTests.SharedMoto shared) : IClassFixture<MotoBootstrapTests.SharedMoto>
{
    /// <summary>One moto for the class (each start imports moto: seconds of CPU); every test uses names of its own.</summary>
    public sealed class SharedMoto : IAsyncLifetime
    {
        public MotoServer Moto { get; private set; } = null!;

        public async Task InitializeAsync() => Moto = await MotoServer.StartAsync();

        public async Task DisposeAsync() => await Moto.DisposeAsync();
    }

    private MotoServer Moto => shared.Moto;

    [Fact]
    public async Task Server_AnswersSeveralRequestsOnOneConnectionGivenHttp11()
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(Moto.Endpoint.Host, Moto.Endpoint.Port);
        var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);

        // Two SQS calls on the same socket, the second with a chunked body, as an SDK may send one.
        var create = "Action=CreateQueue&QueueName=kept-alive&Version=2012-11-05";
        await WriteAsync(stream, $"POST / HTTP/1.1\r\nHost: {Moto.Endpoint.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + $"Authorization: {Signature("sqs")}\r\nContent-Length: {create.Length}\r\n\r\n{create}");
        var (firstStatus, firstHeaders, firstBody) = await ReadResponseAsync(reader);
        var list = "Action=ListQueues&Version=2012-11-05";
        await WriteAsync(stream, $"POST / HTTP/1.1\r\nHost: {Moto.Endpoint.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + $"Authorization: {Signature("sqs")}\r\nTransfer-Encoding: chunked\r\n\r\n{list.Length:x}\r\n{list}\r\n0\r\n\r\n");
        var (secondStatus, _, secondBody) = await ReadResponseAsync(reader);

        firstStatus.ShouldStartWith("HTTP/1.1 200", customMessage: firstBody);
        firstHeaders.ShouldNotContain(h => h.Equals("connection: close", StringComparison.OrdinalIgnoreCase));
        secondStatus.ShouldStartWith("HTTP/1.1 200", customMessage: secondBody);
        secondBody.ShouldContain("kept-alive");
    }

    private static string Signature(string service) =>
        $"AWS4-HMAC-SHA256 Credential=testing/20261130/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00";

    private static async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text));
        await stream.FlushAsync();
    }

    private static async Task<(string Status, List<string> Headers, string Body)> ReadResponseAsync(StreamReader reader)
    {
        var status = await reader.ReadLineAsync() ?? "";
        var headers = new List<string>();
        for (var line = await reader.ReadLineAsync(); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync())
        {
            headers.Add(line);
        }
        var length = int.Parse(headers.Single(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        var body = new char[length];
        var read = 0;
        while (read < length)
        {
            read += await reader.ReadAsync(body, read, length - read);
        }
        return (status, headers, new string(body));
    }

    [Fact]
    public async Task GetQueueAttributes_CountsVisibleInFlightAndDelayedMessagesGivenTheLauncherComputesThemWhenRead()
    {
        using var sqs = new AmazonSQSClient(new BasicAWSCredentials("testing", "testing"),
            new AmazonSQSConfig { ServiceURL = Moto.Endpoint.ToString(), AuthenticationRegion = "us-east-1" });
        var url = (await sqs.CreateQueueAsync("counted")).QueueUrl;
        for (var i = 0; i < 3; i++)
        {
            await sqs.SendMessageAsync(url, $"m{i}");
        }
        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = url, MessageBody = "later", DelaySeconds = 60 });
        (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 1 })).Messages.Count.ShouldBe(1);

        var all = (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        var one = (await sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages"])).Attributes;

        all["ApproximateNumberOfMessages"].ShouldBe("2");
        all["ApproximateNumberOfMessagesNotVisible"].ShouldBe("1");
        all["ApproximateNumberOfMessagesDelayed"].ShouldBe("1");
        all["QueueArn"].ShouldEndWith(":counted");
        one.Keys.ShouldBe(["ApproximateNumberOfMessages"]);
        one["ApproximateNumberOfMessages"].ShouldBe("2");
        // A FIFO queue reads ContentBasedDeduplication on every send.
        var fifo = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = "ordered.fifo",
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" },
        })).QueueUrl;
        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = fifo, MessageBody = "a", MessageGroupId = "g" });
        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = fifo, MessageBody = "a", MessageGroupId = "g" });
        (await sqs.GetQueueAttributesAsync(fifo, ["ApproximateNumberOfMessages", "ContentBasedDeduplication"])).Attributes
            .ShouldBe(new Dictionary<string, string> { ["ApproximateNumberOfMessages"] = "1", ["ContentBasedDeduplication"] = "true" }, ignoreOrder: true);
    }

    [Fact]
    public async Task StartExecution_KeepsEachExecutionsStateApartGivenOneDefinitionParsedOnce()
    {
        await Moto.ConfigureAsync("""{"stepfunctions": {"execute_state_machine": true}}""");
        using var aws = new LocalAwsClient(Moto.Endpoint, "us-east-1");
        // A definition that does not parse is refused every time (never kept).
        for (var attempt = 0; attempt < 2; attempt++)
        {
            (await Should.ThrowAsync<LocalAwsError>(() => aws.StepFunctionsAsync("CreateStateMachine", Machine("broken", """{"StartAt": "Nowhere", "States": {}}""")))).Message.ShouldContain("ASLParserException");
        }
        // A Map and a counter loop: evaluation state that must not leak from one execution into another.
        const string definition = """
            {"StartAt": "Each", "States": {
              "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.doubled", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Twice",
                "States": {"Twice": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($, $)"}, "OutputPath": "$.v", "End": true}}}, "Next": "Count"},
              "Count": {"Type": "Pass", "Parameters": {"items.$": "$.items", "doubled.$": "$.doubled", "left.$": "States.MathAdd($.left, -1)"}, "Next": "Done?"},
              "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.left", "NumericGreaterThan": 0, "Next": "Count"}], "Default": "End"},
              "End": {"Type": "Succeed"}}}
            """;
        var arn = (await aws.StepFunctionsAsync("CreateStateMachine", Machine("twice", definition)))["stateMachineArn"]!.GetValue<string>();

        var runs = await Task.WhenAll(Enumerable.Range(1, 6).Select(async n =>
        {
            var input = new JsonObject { ["items"] = new JsonArray(n, n + 1), ["left"] = n };
            var started = await aws.StepFunctionsAsync("StartExecution", new JsonObject { ["stateMachineArn"] = arn, ["name"] = $"run-{n}", ["input"] = input.ToJsonString() });
            return (n, Output: await OutputAsync(aws, started["executionArn"]!.GetValue<string>()));
        }));

        foreach (var (n, output) in runs)
        {
            output["doubled"]!.AsArray().Select(v => v!.GetValue<int>()).ShouldBe([2 * n, 2 * (n + 1)]);
            output["left"]!.GetValue<int>().ShouldBe(0);
        }
    }

    private static JsonObject Machine(string name, string definition) => new()
    {
        ["name"] = name, ["definition"] = definition, ["roleArn"] = "arn:aws:iam::123456789012:role/machine",
    };

    private static async Task<JsonObject> OutputAsync(LocalAwsClient aws, string executionArn)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var described = await aws.StepFunctionsAsync("DescribeExecution", new JsonObject { ["executionArn"] = executionArn });
            var status = described["status"]!.GetValue<string>();
            if (status != "RUNNING")
            {
                status.ShouldBe("SUCCEEDED", described.ToJsonString());
                return JsonNode.Parse(described["output"]!.GetValue<string>())!.AsObject();
            }
        }
        throw new TimeoutException(executionArn);
    }

    [Fact]
    public async Task PutItem_IsKeptGivenConcurrentTransactionsOnTheSameTableThatFail()
    {
        // A failed TransactWriteItems must undo only itself: moto restores a copy of the whole table.
        using var aws = new LocalAwsClient(Moto.Endpoint, "us-east-1");
        await aws.DynamoDbAsync("CreateTable", JsonNode.Parse("""
            {"TableName": "claims", "BillingMode": "PAY_PER_REQUEST",
             "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
            """)!.AsObject());
        JsonObject Item(string key) => new() { ["pk"] = new JsonObject { ["S"] = key }, ["pad"] = new JsonObject { ["S"] = new string('x', 200) } };
        // A table of some size, so that moto's copy of it takes a while.
        foreach (var batch in Enumerable.Range(0, 2000).Chunk(25))
        {
            await aws.DynamoDbAsync("BatchWriteItem", new JsonObject
            {
                ["RequestItems"] = new JsonObject
                {
                    ["claims"] = new JsonArray(batch.Select(i => (JsonNode)new JsonObject { ["PutRequest"] = new JsonObject { ["Item"] = Item($"old-{i}") } }).ToArray()),
                },
            });
        }
        await aws.DynamoDbAsync("PutItem", new JsonObject { ["TableName"] = "claims", ["Item"] = Item("lock") });

        async Task FailingClaimsAsync()
        {
            for (var i = 0; i < 60; i++)
            {
                var claim = new JsonObject
                {
                    ["TransactItems"] = new JsonArray(new JsonObject
                    {
                        ["Put"] = new JsonObject { ["TableName"] = "claims", ["Item"] = Item("lock"), ["ConditionExpression"] = "attribute_not_exists(pk)" },
                    }),
                };
                await Should.ThrowAsync<LocalAwsError>(() => aws.DynamoDbAsync("TransactWriteItems", claim));
            }
        }
        async Task WritesAsync()
        {
            for (var i = 0; i < 150; i++)
            {
                await aws.DynamoDbAsync("PutItem", new JsonObject { ["TableName"] = "claims", ["Item"] = Item($"new-{i}") });
            }
        }
        await Task.WhenAll(FailingClaimsAsync(), FailingClaimsAsync(), WritesAsync(), WritesAsync());

        var count = 0;
        JsonNode? start = null;
        do
        {
            var page = new JsonObject { ["TableName"] = "claims", ["Select"] = "COUNT" };
            if (start is not null)
            {
                page["ExclusiveStartKey"] = start.DeepClone();
            }
            var answer = await aws.DynamoDbAsync("Scan", page);
            count += answer["Count"]!.GetValue<int>();
            start = answer["LastEvaluatedKey"];
        }
        while (start is not null);
        count.ShouldBe(2000 + 1 + 150, "every item written beside the failed transactions is still there");
    }
}
