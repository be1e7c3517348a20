using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using PeeringAutomation.Local.Aws;
using PeeringAutomation.Moto;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

/// <summary>
/// A script that starts `up`, waits for GET /local/health and puts an event at once loses nothing
/// (it once did: the bus existed before its rules). Calls before that are refused with 503.
/// </summary>
public sealed class ReadinessTests
{
    private static async Task<HttpResponseMessage> PutEventAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(
                new JsonObject
                {
                    ["Entries"] = new JsonArray(new JsonObject
                    {
                        ["Source"] = "vpc-peering", ["DetailType"] = "Test Requested", ["Detail"] = "{}", ["EventBusName"] = "vpc-peering",
                    }),
                }.ToJsonString(),
                Encoding.UTF8,
                "application/x-amz-json-1.1"),
        };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSEvents.PutEvents");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=0");
        return await http.SendAsync(request);
    }

    private static async Task<string> EventIdAsync(HttpResponseMessage put) =>
        JsonNode.Parse(await put.Content.ReadAsStringAsync())!["Entries"]![0]!["EventId"]!.GetValue<string>();

    [Fact]
    public async Task Up_LosesNoEventGivenAScriptThatWaitsForHealthAndPutsAtOnce()
    {
        var port = MotoServer.FreeLoopbackPort();
        using var up = UpProcess.Start("--port", port.ToString(), "--no-world", "--template", FixtureStack.FixtureTemplate, "--no-schedules");
        var endpoint = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
        var early = new List<HttpResponseMessage>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);

        // The script: until curl -sf …/local/health; do sleep; done — trying the bus meanwhile.
        while (true)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, up.Output);
            HttpResponseMessage health;
            try
            {
                health = await http.GetAsync("/local/health");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100); // not listening yet
                continue;
            }
            if (health.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
            health.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await health.Content.ReadAsStringAsync()).ShouldContain("not ready");
            early.Add(await PutEventAsync(http));
            await Task.Delay(100);
        }
        var put = await PutEventAsync(http);

        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var eventId = await EventIdAsync(put);
        early.ShouldNotBeEmpty("the host answered before it was deployed, so the gate was exercised");
        var refused = early.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        refused.ShouldNotBeEmpty();
        (await refused[0].Content.ReadAsStringAsync()).ShouldContain("/local/health");
        var accepted = early.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var expected = new List<string> { eventId };
        foreach (var response in accepted)
        {
            expected.Add(await EventIdAsync(response)); // accepted once ready: must not be lost either
        }
        using var aws = new LocalAwsClient(endpoint, "us-east-1");
        var machine = "arn:aws:states:us-east-1:123456789012:stateMachine:peering-automation-test-flow";
        var seen = new HashSet<string>();
        for (var i = 0; i < 150 && !expected.All(seen.Contains); i++)
        {
            var executions = await aws.StepFunctionsAsync("ListExecutions", new JsonObject { ["stateMachineArn"] = machine });
            seen.UnionWith(executions["executions"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));
            await Task.Delay(200);
        }
        expected.ShouldBeSubsetOf(seen, "every event accepted by the bus started the flow");

        up.Signal(UpProcess.SigTerm);
        (await up.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);
    }

    [Fact]
    public async Task UpRawMoto_AnswersAsMotoDoesGivenTheLayerTurnedOff()
    {
        var port = MotoServer.FreeLoopbackPort();
        using var up = UpProcess.Start("--port", port.ToString(), "--no-world", "--template", FixtureStack.FixtureTemplate, "--no-schedules", "--raw-moto");
        (await up.WaitForOutputAsync("Local stack up", TimeSpan.FromSeconds(90))).ShouldBeTrue(up.Output);
        var endpoint = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { BaseAddress = new Uri(endpoint) };
        using var ec2 = new AmazonEC2Client(new BasicAWSCredentials("testing", "testing"), new AmazonEC2Config { ServiceURL = endpoint, AuthenticationRegion = "us-east-1" });

        var health = JsonNode.Parse(await http.GetStringAsync("/local/health"))!;
        var unknown = await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = ["pcx-0123456789abcdef0"] });

        health["behaviour"]!.GetValue<string>().ShouldBe("raw-moto");
        (unknown.VpcPeeringConnections ?? []).ShouldBeEmpty("moto's own answer; AWS (and the layer) say InvalidVpcPeeringConnectionID.NotFound");
        up.Signal(UpProcess.SigTerm);
        (await up.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);
    }
}
