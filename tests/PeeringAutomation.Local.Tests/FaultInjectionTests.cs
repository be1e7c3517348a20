using System.Net;
using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using PeeringAutomation.Local.Faults;
using PeeringAutomation.Local.Hosting;
using PeeringAutomation.Local.Tests.Fixtures;

namespace PeeringAutomation.Local.Tests;

/// <summary>
/// Injected faults look to clients exactly like AWS's own: SDK clients see the service's error
/// codes, Step Functions sees Lambda service errors, a rule target gets the event twice. Each test
/// switches faults on for itself only (the fixture stack is shared).
/// </summary>
[Collection(FixtureStackCollection.Name)]
public sealed class FaultInjectionTests(FixtureStack fixture) : IDisposable
{
    private LocalCloud Stack => fixture.Stack;

    public void Dispose() => Stack.Faults.Set(FaultSettings.None);

    // No SDK retries: the test wants to see the first answer.
    private AmazonEC2Client Ec2() => new(new BasicAWSCredentials("testing", "testing"),
        new AmazonEC2Config { ServiceURL = Stack.Endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private AmazonSecurityTokenServiceClient Sts() => new(new BasicAWSCredentials("testing", "testing"),
        new AmazonSecurityTokenServiceConfig { ServiceURL = Stack.Endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    [Fact]
    public async Task Ec2Call_FailsWithRequestLimitExceededGivenThrottleOne()
    {
        Stack.Faults.Set(new FaultSettings { Throttle = 1, Seed = 1 });
        using var ec2 = Ec2();

        var error = await Should.ThrowAsync<AmazonEC2Exception>(() => ec2.DescribeVpcsAsync(new DescribeVpcsRequest()));

        error.ErrorCode.ShouldBe("RequestLimitExceeded");
        error.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        error.Message.ShouldBe("Request limit exceeded.");
        var counts = Stack.Faults.Counts.Snapshot();
        counts.Throttled.ShouldBe(1);
        counts.Ec2Calls.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task StsAssumeRole_FailsWithThrottlingGivenThrottleOne()
    {
        Stack.Faults.Set(new FaultSettings { Throttle = 1, Seed = 1 });
        using var sts = Sts();

        var error = await Should.ThrowAsync<AmazonSecurityTokenServiceException>(() => sts.AssumeRoleAsync(new AssumeRoleRequest
        {
            RoleArn = $"arn:aws:iam::{FixtureStack.Member}:role/PeeringAutomationMember", RoleSessionName = "test",
        }));

        error.ErrorCode.ShouldBe("Throttling");
        error.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        Stack.Faults.Counts.Snapshot().StsCalls.ShouldBe(1);
    }

    [Fact]
    public async Task Ec2Call_FailsWithInternalErrorOrUnavailableGivenServerOne()
    {
        Stack.Faults.Set(new FaultSettings { Server = 1, Seed = 3 });
        using var ec2 = Ec2();

        var codes = new List<(string Code, HttpStatusCode Status)>();
        for (var i = 0; i < 12; i++)
        {
            var error = await Should.ThrowAsync<AmazonEC2Exception>(() => ec2.DescribeVpcsAsync(new DescribeVpcsRequest()));
            codes.Add((error.ErrorCode, error.StatusCode));
        }

        codes.ShouldAllBe(c => (c.Code == "InternalError" && c.Status == HttpStatusCode.InternalServerError)
            || (c.Code == "Unavailable" && c.Status == HttpStatusCode.ServiceUnavailable));
        codes.Select(c => c.Code).Distinct().Count().ShouldBe(2);
        Stack.Faults.Counts.Snapshot().ServerErrors.ShouldBe(12);
    }

    [Fact]
    public async Task Ec2Call_SucceedsAndIsCountedGivenZeroShares()
    {
        Stack.Faults.Set(new FaultSettings { Lambda = 0.5, Seed = 1 });
        using var ec2 = Ec2();

        (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest())).Vpcs.ShouldNotBeEmpty();

        Stack.Faults.Counts.Snapshot().Ec2Calls.ShouldBe(1);
    }

    [Fact]
    public async Task PutEvent_StartsTwoDeliveriesOfTheSameEventGivenDuplicateOne()
    {
        Stack.Faults.Set(new FaultSettings { Duplicate = 1, Seed = 1 });

        var eventId = await Stack.Driver.PutEventAsync("Test Requested", new JsonObject { ["requestId"] = "dup-1" });
        var first = await Stack.Driver.WaitForExecutionAsync("TestFlow", eventId);
        // The bridge names executions after the event id; the second start of the same name gets "-2".
        var second = await Stack.Driver.WaitForExecutionArnAsync(first.ExecutionArn + "-2");

        first.Status.ShouldBe("SUCCEEDED");
        second.Status.ShouldBe("SUCCEEDED");
        second.Input!["id"]!.GetValue<string>().ShouldBe(eventId);
        second.Input.ToJsonString().ShouldBe(first.Input!.ToJsonString());
        var counts = Stack.Faults.Counts.Snapshot();
        counts.Duplicates.ShouldBeGreaterThanOrEqualTo(1);
        counts.Deliveries.ShouldBeGreaterThanOrEqualTo(counts.Duplicates);
    }

    [Fact]
    public async Task PutEvent_FailsTheExecutionWithALambdaServiceErrorGivenLambdaOne()
    {
        Stack.Faults.Set(new FaultSettings { Lambda = 1, Seed = 1 });

        var eventId = await Stack.Driver.PutEventAsync("Test Requested", new JsonObject { ["requestId"] = "lambda-1" });
        var execution = await Stack.Driver.WaitForExecutionAsync("TestFlow", eventId);

        execution.Status.ShouldBe("FAILED");
        execution.Error.ShouldBeOneOf("Lambda.ServiceException", "Lambda.TooManyRequestsException");
        execution.TaskErrors.ShouldBe([execution.Error!]);
        Stack.Faults.Counts.Snapshot().InvocationFailures.ShouldBe(1);
    }
}
