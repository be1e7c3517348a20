using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeeringAutomation.Aws;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Testing;

/// <summary>
/// Two managed accounts in two regions with one VPC each (route table, security group, one
/// flow log), and a driver that passes state between handlers the way the state machine does.
/// </summary>
public sealed class ProvisioningWorld
{
    public static readonly AccountRegion Requester = new(AccountId.Parse("111111111111"), AwsRegion.Parse("us-east-1"));
    public static readonly AccountRegion Accepter = new(AccountId.Parse("222222222222"), AwsRegion.Parse("eu-west-1"));

    public ProvisioningWorld(Func<FunctionSettings, FunctionSettings>? configure = null, TimeProvider? clock = null)
    {
        RequesterVpc = AddVpc(Requester, "10.1.0.0/16", out RequesterTable, out RequesterGroup);
        AccepterVpc = AddVpc(Accepter, "10.20.0.0/16", out AccepterTable, out AccepterGroup);
        Ec2.FlowLogs.Add((Requester, new FlowLog("fl-1", RequesterVpc.Value, "ACTIVE", "ALL")));
        Services = new Services((configure ?? (s => s))(Settings()), Ec2, Ledger, clock ?? TimeProvider.System, Findings);
    }

    /// <summary>The execution the driver pretends to be (the ASL's first Pass state adds it).</summary>
    public const string ExecutionArn = "arn:aws:states:us-east-1:123456789012:execution:provision:test-1";

    public FakeEc2 Ec2 { get; } = new();

    public InMemoryRequestLedger Ledger { get; } = new();

    public InMemoryFindingStore Findings { get; } = new();

    public Services Services { get; }

    public VpcId RequesterVpc { get; }

    public VpcId AccepterVpc { get; }

    public readonly RouteTableId RequesterTable;
    public readonly RouteTableId AccepterTable;
    public readonly SecurityGroupId RequesterGroup;
    public readonly SecurityGroupId AccepterGroup;

    public static FunctionSettings Settings() => new()
    {
        Policy = new PeeringPolicy
        {
            ManagedAccounts = new HashSet<AccountId> { Requester.Account, Accepter.Account },
            ManagedRegions = new HashSet<AwsRegion> { Requester.Region, Accepter.Region },
            PlatformAccounts = new HashSet<AccountId> { AccountId.Parse("123456789012") },
        },
        Aws = new AwsOptions { HubAccount = AccountId.Parse("123456789012"), MemberRoleName = "PeeringAutomationMemberRole" },
        HomeRegion = AwsRegion.Parse("us-east-1"),
        LedgerTableName = "peering-automation-requests",
    };

    /// <summary>A Peering Requested envelope for the two VPCs; <paramref name="detail"/> may change it.</summary>
    public JsonObject Event(Action<JsonObject>? detail = null)
    {
        var body = new JsonObject
        {
            ["requestId"] = "chg-42",
            ["requester"] = new JsonObject
            {
                ["accountId"] = Requester.Account.Value, ["region"] = Requester.Region.Value, ["vpcId"] = RequesterVpc.Value,
                ["ingressFromPeer"] = new JsonArray(new JsonObject
                {
                    ["securityGroupId"] = RequesterGroup.Value, ["protocol"] = "tcp", ["fromPort"] = 443, ["toPort"] = 443,
                }),
            },
            ["accepter"] = new JsonObject
            {
                ["accountId"] = Accepter.Account.Value, ["region"] = Accepter.Region.Value, ["vpcId"] = AccepterVpc.Value,
            },
        };
        detail?.Invoke(body);
        return new JsonObject
        {
            ["version"] = "0", ["id"] = "6a7e8feb-b491-4cf7-a9f1-bf3703467718", ["detail-type"] = "Peering Requested",
            ["source"] = "vpc-peering", ["account"] = "123456789012", ["time"] = "2026-11-27T10:00:00Z",
            ["region"] = "us-east-1", ["resources"] = new JsonArray(), ["detail"] = body,
        };
    }

    /// <summary>Calls a handler the way Lambda does: JSON in, JSON out.</summary>
    public static async Task<JsonNode> InvokeAsync(Func<Stream, Task<Stream>> handler, JsonNode input)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(input.ToJsonString()));
        await using var output = await handler(stream);
        return (await JsonNode.ParseAsync(output))!;
    }

    /// <summary>Runs Validate → Create → Accept → routes → groups → flow logs, merging results as the ASL's ResultPaths do.</summary>
    public async Task<JsonObject> ProvisionAsync(JsonObject envelope, string executionArn = ExecutionArn)
    {
        var state = (JsonObject)await InvokeAsync(new PeeringAutomation.Functions.Provisioning.ValidatePeeringRequestFunction(Services).Handle, IntakeInput(envelope, executionArn));
        return await ContinueAsync(state);
    }

    /// <summary>Runs a Peering Approval Decided event the way the ASL does: the decision step, then, when approved, the rest.</summary>
    public async Task<JsonObject> DecideAsync(string account, string requestId, string decision, string executionArn, string? comment = null)
    {
        var detail = new JsonObject { ["requestId"] = requestId, ["decision"] = decision };
        if (comment is not null)
        {
            detail["comment"] = comment;
        }
        var envelope = new JsonObject
        {
            ["version"] = "0", ["id"] = Guid.NewGuid().ToString(), ["detail-type"] = "Peering Approval Decided", ["source"] = "vpc-peering",
            ["account"] = account, ["time"] = "2026-11-27T11:00:00Z", ["region"] = "us-east-1", ["resources"] = new JsonArray(), ["detail"] = detail,
        };
        var state = (JsonObject)await InvokeAsync(new PeeringAutomation.Functions.Approvals.RecordApprovalDecisionFunction(Services).Handle, IntakeInput(envelope, executionArn));
        return await ContinueAsync(state);
    }

    /// <summary>From an accepted Validate (or decision) result: Create → Accept → routes → groups → flow logs.</summary>
    public async Task<JsonObject> ContinueAsync(JsonObject state)
    {
        if (state["accepted"]!.GetValue<bool>() is false)
        {
            return state;
        }
        state["peering"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.CreatePeeringFunction(Services).Handle, state);
        state["acceptance"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.AcceptPeeringFunction(Services).Handle, state);
        state["routes"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.ConfigureRoutesFunction(Services).Handle, state);
        state["securityGroups"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.ConfigureSecurityGroupsFunction(Services).Handle, state);
        state["provisioned"] = await InvokeAsync(new PeeringAutomation.Functions.Provisioning.CheckFlowLogsFunction(Services).Handle, state);
        return state;
    }

    /// <summary>The accepter VPC's owner consents to peerings from these accounts or VPCs (the accept-from tag).</summary>
    public void AccepterConsentsTo(string acceptFrom)
    {
        var index = Ec2.Vpcs.FindIndex(v => v.Vpc.Id == AccepterVpc);
        Ec2.Vpcs[index] = (Ec2.Vpcs[index].Scope, Ec2.Vpcs[index].Vpc with
        {
            Tags = new Dictionary<string, string> { [ManagedMarkers.AcceptFromTag] = acceptFrom },
        });
    }

    /// <summary>The first Pass state's output: the event and the execution that owns the claim.</summary>
    public static JsonObject IntakeInput(JsonObject envelope, string executionArn = ExecutionArn) =>
        new() { ["event"] = envelope.DeepClone(), ["executionArn"] = executionArn };

    /// <summary>A peering someone requested with their own tools into the accepter VPC (no automation tags).</summary>
    public async Task<PeeringConnectionId> RequestFromOutsideAsync(AccountRegion requester, string cidr)
    {
        var vpc = AddVpc(requester, cidr, out _, out _);
        var gateway = await Ec2.ForAsync(requester);
        var peering = await gateway.CreatePeeringConnectionAsync(vpc,
            new PeeringSideInfo(Accepter.Account, Accepter.Region, AccepterVpc), new Dictionary<string, string>());
        return peering.Id;
    }

    public VpcId AddVpc(AccountRegion scope, string cidr, out RouteTableId table, out SecurityGroupId group)
    {
        var vpc = VpcId.Parse(Ec2.NewId("vpc"));
        Ec2.Vpcs.Add((scope, new Vpc
        {
            Id = vpc, OwnerId = scope.Account, State = "available", Ipv4Blocks = [Cidr.Parse(cidr)], Ipv6Blocks = [],
        }));
        table = RouteTableId.Parse(Ec2.NewId("rtb"));
        Ec2.RouteTables.Add((scope, new RouteTable
        {
            Id = table, VpcId = vpc, IsMain = true,
            Routes = [new Route(Cidr.Parse(cidr), RouteTargetKind.Local, "local", "active")],
        }));
        group = SecurityGroupId.Parse(Ec2.NewId("sg"));
        Ec2.Groups.Add((scope, new SecurityGroup { Id = group, VpcId = vpc, OwnerId = scope.Account, Ingress = [] }));
        return vpc;
    }
}
