using System.Text.Json.Nodes;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Testing;

/// <summary>
/// Two managed accounts in two regions with one VPC each (route table, security group, one flow log
/// on the requester's), in an in-memory EC2 with an in-memory ledger and findings store: the world the
/// Core use cases run on. The handlers' driver builds on it (Functions.Tests' <c>ProvisioningWorld</c>).
/// </summary>
public class PeeringWorld
{
    public static readonly AccountRegion Requester = new(AccountId.Parse("111111111111"), AwsRegion.Parse("us-east-1"));
    public static readonly AccountRegion Accepter = new(AccountId.Parse("222222222222"), AwsRegion.Parse("eu-west-1"));

    /// <summary>The platform (hub) account.</summary>
    public static readonly AccountId Platform = AccountId.Parse("123456789012");

    /// <summary>The execution the driver pretends to be (the ASL's first Pass state adds it).</summary>
    public const string ExecutionArn = "arn:aws:states:us-east-1:123456789012:execution:provision:test-1";

    public PeeringWorld()
    {
        RequesterVpc = AddVpc(Requester, "10.1.0.0/16", out RequesterTable, out RequesterGroup);
        AccepterVpc = AddVpc(Accepter, "10.20.0.0/16", out AccepterTable, out AccepterGroup);
        Ec2.FlowLogs.Add((Requester, new FlowLog("fl-1", RequesterVpc.Value, "ACTIVE", "ALL")));
    }

    public FakeEc2 Ec2 { get; } = new();

    public InMemoryRequestLedger Ledger { get; } = new();

    public InMemoryFindingStore Findings { get; } = new();

    public VpcId RequesterVpc { get; }

    public VpcId AccepterVpc { get; }

    public readonly RouteTableId RequesterTable;
    public readonly RouteTableId AccepterTable;
    public readonly SecurityGroupId RequesterGroup;
    public readonly SecurityGroupId AccepterGroup;

    /// <summary>Both accounts and both regions managed; the hub account is the platform account.</summary>
    public static PeeringPolicy Policy() => new()
    {
        ManagedAccounts = new HashSet<AccountId> { Requester.Account, Accepter.Account },
        ManagedRegions = new HashSet<AwsRegion> { Requester.Region, Accepter.Region },
        PlatformAccounts = new HashSet<AccountId> { Platform },
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
