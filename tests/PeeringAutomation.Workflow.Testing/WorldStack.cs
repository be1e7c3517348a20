using Amazon.EC2;
using Amazon.EC2.Model;
using System.Text.Json.Nodes;
using PeeringAutomation.Local.Behaviour;
using PeeringAutomation.Local.Hosting;

namespace PeeringAutomation.Workflow.Testing;

/// <summary>
/// The real template and the default world in one local stack, shared by the workflow test classes
/// of one test project (an xunit collection fixture). The handlers run in the test process and read
/// process-wide environment variables, so one process holds one stack: the workflow tests are split
/// in two projects, which <c>dotnet test</c> runs side by side, each with a stack of its own.
/// </summary>
public sealed class WorldStack : IAsyncLifetime
{
    public LocalCloud Stack { get; private set; } = null!;

    /// <summary>How long an inter-region peering stays unknown in the accepter's region in these tests.</summary>
    public static readonly TimeSpan InterRegionLag = TimeSpan.FromSeconds(2);

    /// <summary>A managed account whose member role cannot be assumed (missing or not trusting the hub).</summary>
    public const string UnreachableAccount = "666666666666";

    /// <summary>444444444444 is allowed but not managed; 555555555555 is neither; 666666666666 is managed but unreachable.</summary>
    public static readonly IReadOnlyDictionary<string, string> Parameters = new Dictionary<string, string>
    {
        ["ManagedAccountIds"] = "123456789012,111111111111,222222222222,333333333333," + UnreachableAccount,
        ["AllowedPeerAccountIds"] = "123456789012,111111111111,222222222222,333333333333,444444444444",
        ["ManagedRegions"] = "us-east-1,eu-west-1",
        // Small pages, so every sweep with a few findings exercises the paging loop of check-compliance.
        ["ComplianceFindingsPageSize"] = "3",
        // Short, so AlertLifecycleWorkflowTests can see a still-open finding alerted again. Two tests
        // wait it out; the one thing it must outlast is one sweep (2-5 s on a loaded 2-core machine).
        ["RealertAfter"] = "PT12S",
        // On, so the sweep creates missing flow logs (AlertLifecycleWorkflowTests); the default is off.
        ["FlowLogRemediation"] = "cloudwatch",
        ["FlowLogDestination"] = "/vpc-flow-logs/{accountId}/{vpcId}",
        // Ten minutes, so ChangeWorkflowTests can see Peering Expiring Soon without waiting a day.
        ["ExpiryNoticePeriod"] = "600",
    };

    /// <summary>The RealertAfter the test stack runs with.</summary>
    public static readonly TimeSpan RealertAfter = TimeSpan.FromSeconds(12);

    /// <summary>
    /// How far ahead a test sets a request's <c>expiresAt</c> when it will wait for it: enough for the
    /// request to pass validation (expiresAt in the future) on a loaded 2-core machine, where the
    /// event reaches Validate in 1-4 s; the test then waits only what is left.
    /// </summary>
    public static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(10);

    private readonly List<JsonObject> alerts = [];
    private string alertQueueUrl = "";

    public async Task InitializeAsync()
    {
        Stack = await LocalCloud.StartAsync(new LocalCloudOptions
        {
            WorldFile = Path.Combine(AppContext.BaseDirectory, "test-world.yaml"),
            ParameterOverrides = Parameters,
            UnassumableAccounts = [UnreachableAccount],
            // AWS-like behaviour on, with a short inter-region lag to keep the suite fast (not zero:
            // every inter-region request must live through it).
            // Auto-accept leaves a request alone for its first 2 minutes, judging its age by
            // expirationTime - 7 days; a one-day pending lifetime makes hand-made requests count as
            // settled at once, so the auto-accept tests need not wait 2 minutes.
            Behaviour = new BehaviourSettings { InterRegionLag = InterRegionLag, PendingExpiry = TimeSpan.FromDays(1) },
        });
        // A queue subscribed to the alert topic, as an operator's tooling would subscribe.
        var sqs = Stack.Clients.HubSqs();
        alertQueueUrl = (await sqs.CreateQueueAsync("workflow-tests-alerts")).QueueUrl;
        var queueArn = $"arn:aws:sqs:{Stack.Region}:{Stack.AccountId}:workflow-tests-alerts";
        await Stack.Aws.SnsAsync("Subscribe",
        [
            new("TopicArn", $"arn:aws:sns:{Stack.Region}:{Stack.AccountId}:{Stack.EventBusName}-alerts"),
            new("Protocol", "sqs"),
            new("Endpoint", queueArn),
        ]);
    }

    /// <summary>Waits for an alert on the SNS topic (its SQS envelope: Subject, Message) that matches.</summary>
    public async Task<JsonObject> WaitForAlertAsync(Func<JsonObject, bool> match)
    {
        var sqs = Stack.Clients.HubSqs();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = alerts.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }
            var received = await sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest
            {
                QueueUrl = alertQueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1,
            });
            foreach (var message in received.Messages ?? [])
            {
                alerts.Add((JsonObject)JsonNode.Parse(message.Body)!);
                await sqs.DeleteMessageAsync(alertQueueUrl, message.ReceiptHandle);
            }
        }
        throw new TimeoutException("no matching alert on the topic");
    }

    /// <summary>Every alert published so far (the queue drained): SNS delivers to SQS as it publishes, so after an execution ends its alerts are here.</summary>
    public async Task<IReadOnlyList<JsonObject>> AlertsSoFarAsync()
    {
        var sqs = Stack.Clients.HubSqs();
        while (true)
        {
            var received = await sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest
            {
                QueueUrl = alertQueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0,
            });
            if (received.Messages is not { Count: > 0 } messages)
            {
                return alerts.ToList();
            }
            foreach (var message in messages)
            {
                alerts.Add((JsonObject)JsonNode.Parse(message.Body)!);
                await sqs.DeleteMessageAsync(alertQueueUrl, message.ReceiptHandle);
            }
        }
    }

    public async Task DisposeAsync() => await Stack.DisposeAsync();

    public const string ProvisionMachine = "ProvisionPeeringStateMachine";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    /// <summary>Puts a Peering Requested event on the bus and waits for the workflow it starts.</summary>
    public async Task<ExecutionResult> RequestAsync(JsonObject request) =>
        await Stack.Driver.WaitForExecutionAsync(ProvisionMachine, await Stack.Driver.PutEventAsync("Peering Requested", request), Timeout);

    /// <summary>Provisions and returns the id of the pair's one active peering.</summary>
    public async Task<string> ProvisionAsync(JsonObject request, string a, string b)
    {
        var execution = await RequestAsync(request);
        execution.StatesEntered.ShouldContain("Emit Peering Provisioned", execution.ToString());
        return (await PeeringsBetweenAsync(a, b)).Single(p => p.Status.Code.Value == "active").VpcPeeringConnectionId;
    }

    /// <summary>Every route and inbound rule of a VPC, as sortable text: to compare EC2 state before and after.</summary>
    public async Task<IReadOnlyList<string>> NetworkStateAsync(string vpcName)
    {
        var ec2 = await Ec2For(vpcName);
        var vpcFilter = new Filter("vpc-id", [Stack.World.IdOf(vpcName)]);
        var tables = await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest { Filters = [vpcFilter] });
        var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [vpcFilter] });
        var routes = tables.RouteTables.SelectMany(t => (t.Routes ?? []).Select(r =>
            $"route {t.RouteTableId} {r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock} -> {r.VpcPeeringConnectionId ?? r.GatewayId}"));
        var rules = groups.SecurityGroups.SelectMany(g => (g.IpPermissions ?? []).SelectMany(p =>
            (p.Ipv4Ranges ?? []).Select(r => $"rule {g.GroupId} {p.IpProtocol} {p.FromPort}-{p.ToPort} {r.CidrIp} {r.Description}")
                .Concat((p.Ipv6Ranges ?? []).Select(r => $"rule {g.GroupId} {p.IpProtocol} {p.FromPort}-{p.ToPort} {r.CidrIpv6} {r.Description}"))));
        return routes.Concat(rules).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A peering requested with the requester's own tools (no automation involved); returns its id.</summary>
    public async Task<string> RequestPeeringByHandAsync(string requester, string accepter)
    {
        var to = Stack.World.Vpc(accepter);
        var response = await (await Ec2For(requester)).CreateVpcPeeringConnectionAsync(new CreateVpcPeeringConnectionRequest
        {
            VpcId = Stack.World.IdOf(requester), PeerVpcId = to.VpcId, PeerOwnerId = to.AccountId, PeerRegion = to.Region,
        });
        return response.VpcPeeringConnection.VpcPeeringConnectionId;
    }

    /// <summary>
    /// A hand-made request the accepter can already see: an inter-region one stays invisible in the
    /// accepter's region for a while (the behaviour layer's lag, as on AWS).
    /// </summary>
    public async Task<string> RequestPeeringByHandVisibleAsync(string requester, string accepter)
    {
        var pcx = await RequestPeeringByHandAsync(requester, accepter);
        var ec2 = await Ec2For(accepter);
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var all = await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest());
            if ((all.VpcPeeringConnections ?? []).Any(p => p.VpcPeeringConnectionId == pcx && p.Status.Code.Value == "pending-acceptance"))
            {
                return pcx;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"peering {pcx} never became visible to {accepter}");
    }

    /// <summary>The internet gateway attached to the named VPC.</summary>
    public async Task<string> InternetGatewayOfAsync(string vpcName)
    {
        var gateways = await (await Ec2For(vpcName)).DescribeInternetGatewaysAsync(new DescribeInternetGatewaysRequest
        {
            Filters = [new Filter("attachment.vpc-id", [Stack.World.IdOf(vpcName)])],
        });
        return gateways.InternetGateways.Single().InternetGatewayId;
    }

    /// <summary>The EC2 client of the account and region that own the named VPC.</summary>
    public Task<IAmazonEC2> Ec2For(string vpcName)
    {
        var vpc = Stack.World.Vpc(vpcName);
        return Stack.Driver.Ec2Async(vpc.AccountId, vpc.Region);
    }

    public async Task<IReadOnlyList<VpcPeeringConnection>> PeeringsBetweenAsync(string a, string b)
    {
        var ec2 = await Ec2For(a);
        var (idA, idB) = (Stack.World.IdOf(a), Stack.World.IdOf(b));
        var all = await ec2.DescribeVpcPeeringConnectionsAsync(new DescribeVpcPeeringConnectionsRequest());
        return (all.VpcPeeringConnections ?? [])
            .Where(p => (p.RequesterVpcInfo.VpcId == idA && p.AccepterVpcInfo.VpcId == idB)
                        || (p.RequesterVpcInfo.VpcId == idB && p.AccepterVpcInfo.VpcId == idA))
            .ToList();
    }

    public async Task<IReadOnlyList<Route>> RoutesToAsync(string vpcName, string peeringId)
    {
        var ec2 = await Ec2For(vpcName);
        var tables = await ec2.DescribeRouteTablesAsync(new DescribeRouteTablesRequest
        {
            Filters = [new Filter("vpc-id", [Stack.World.IdOf(vpcName)])],
        });
        return (tables.RouteTables ?? []).SelectMany(t => t.Routes ?? []).Where(r => r.VpcPeeringConnectionId == peeringId).ToList();
    }

    public async Task<IReadOnlyList<IpPermission>> IngressAsync(string vpcName, string groupName)
    {
        var ec2 = await Ec2For(vpcName);
        var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [Stack.World.IdOf(groupName)] });
        return groups.SecurityGroups.Single().IpPermissions ?? [];
    }
}
