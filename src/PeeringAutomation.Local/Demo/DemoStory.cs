using System.Text.Json.Nodes;

namespace PeeringAutomation.Local.Demo;

/// <summary>
/// One step of the demo story: an event put on the real bus and what must come of it. Details are
/// JSON with placeholders resolved against the world and earlier steps:
/// <c>{{vpc:NAME}}</c>, <c>{{account:VPC}}</c>, <c>{{region:VPC}}</c>, <c>{{sg:NAME}}</c>,
/// <c>{{rtb:NAME}}</c>, <c>{{peering:STEP}}</c> (the peering id a previous step produced),
/// <c>{{in-seconds:N}}</c> (a UTC timestamp N seconds from now).
/// </summary>
public sealed record DemoStep
{
    /// <summary>Short id, referenced by later steps as <c>{{peering:Id}}</c>.</summary>
    public required string Id { get; init; }

    public required string Title { get; init; }

    public string DetailType { get; init; } = "Scheduled Event";

    public string Source { get; init; } = "vpc-peering";

    /// <summary>
    /// The account that puts the event (placeholders allowed), with credentials from <c>sts:AssumeRole</c>
    /// as a team would; null puts it as the hub (a platform account).
    /// </summary>
    public string? AsAccount { get; init; }

    /// <summary>The event detail, with placeholders.</summary>
    public string Detail { get; init; } = "{}";

    /// <summary>
    /// Instead of putting an event: fire this schedule rule (its tick, as EventBridge would send
    /// it) after waiting <see cref="WaitSeconds"/>.
    /// </summary>
    public string? ScheduleRule { get; init; }

    /// <summary>Seconds to wait before the step.</summary>
    public int WaitSeconds { get; init; }

    /// <summary>Waits before the step until the <c>expiresAt</c> of this earlier step's request has passed.</summary>
    public string? AfterExpiryOf { get; init; }

    /// <summary>Done before the event: a peering request made outside the automation (for auto-accept).</summary>
    public UnmanagedPeering? Setup { get; init; }

    /// <summary>Status the workflow the event triggers must end in.</summary>
    public string ExpectedStatus { get; init; } = "SUCCEEDED";

    /// <summary>The outcome event (detail-type) the automation must emit for this step.</summary>
    public required string ExpectedOutcome { get; init; }

    /// <summary>Fields the outcome's detail must have (values may use placeholders), e.g. findingType.</summary>
    public IReadOnlyDictionary<string, string> OutcomeFields { get; init; } = new Dictionary<string, string>();

    /// <summary>A reason code the outcome must carry (rejections).</summary>
    public string? ExpectedReason { get; init; }

    /// <summary>What EC2 must look like afterwards.</summary>
    public IReadOnlyList<PeeringCheck> Checks { get; init; } = [];
}

/// <summary>A pending peering request created directly in EC2 (not through the automation); the requester VPC may then gain a block.</summary>
public sealed record UnmanagedPeering(string RequesterVpc, string AccepterVpc, string? RequesterGainsBlock = null);

/// <summary>The peering between two world VPCs must be in <see cref="State"/> (<c>active</c>, <c>deleted</c>, or <c>none</c> = never created).</summary>
public sealed record PeeringCheck(string RequesterVpc, string AccepterVpc, string State);

/// <summary>The default story, for the default world (worlds/default.yaml). Extend it by adding steps.</summary>
public static class DemoStories
{
    public static IReadOnlyList<DemoStep> Default { get; } =
    [
        new DemoStep
        {
            Id = "same-account",
            Title = "Same-account peering is accepted (payments-prod ↔ payments-dev, us-east-1 → eu-west-1)",
            DetailType = "Peering Requested",
            Detail = """
                {"requestId": "demo-same-account",
                 "requester": {"accountId": "{{account:payments-prod}}", "region": "{{region:payments-prod}}", "vpcId": "{{vpc:payments-prod}}"},
                 "accepter": {"accountId": "{{account:payments-dev}}", "region": "{{region:payments-dev}}", "vpcId": "{{vpc:payments-dev}}"},
                 "requestedBy": "demo@example.com"}
                """,
            ExpectedOutcome = "Peering Provisioned",
            Checks = [new PeeringCheck("payments-prod", "payments-dev", "active")],
        },
        new DemoStep
        {
            Id = "cross-account",
            Title = "Cross-account, cross-region peering with HTTPS opened (payments-prod → analytics-prod)",
            DetailType = "Peering Requested",
            Detail = """
                {"requestId": "demo-cross-account",
                 "requester": {"accountId": "{{account:payments-prod}}", "region": "{{region:payments-prod}}", "vpcId": "{{vpc:payments-prod}}",
                               "ingressFromPeer": [{"securityGroupId": "{{sg:payments-prod-api}}", "protocol": "tcp", "fromPort": 443, "toPort": 443}]},
                 "accepter": {"accountId": "{{account:analytics-prod}}", "region": "{{region:analytics-prod}}", "vpcId": "{{vpc:analytics-prod}}"},
                 "tags": {"CostCenter": "1234"}, "requestedBy": "alice@example.com"}
                """,
            ExpectedOutcome = "Peering Provisioned",
            Checks = [new PeeringCheck("payments-prod", "analytics-prod", "active")],
        },
        new DemoStep
        {
            Id = "overlap",
            Title = "Overlapping CIDR blocks are rejected before anything is created (payments-prod ↔ legacy-core)",
            DetailType = "Peering Requested",
            Detail = """
                {"requestId": "demo-overlap",
                 "requester": {"accountId": "{{account:payments-prod}}", "region": "{{region:payments-prod}}", "vpcId": "{{vpc:payments-prod}}"},
                 "accepter": {"accountId": "{{account:legacy-core}}", "region": "{{region:legacy-core}}", "vpcId": "{{vpc:legacy-core}}"}}
                """,
            ExpectedOutcome = "Peering Request Rejected",
            ExpectedReason = "CidrOverlap",
            Checks = [new PeeringCheck("payments-prod", "legacy-core", "none")],
        },
        new DemoStep
        {
            Id = "auto-accept",
            Title = "A peering requested outside the automation from an allowed account is auto-accepted (analytics-sandbox → legacy-edge)",
            DetailType = "Peering Acceptance Check Requested",
            Detail = "{}",
            Setup = new UnmanagedPeering("analytics-sandbox", "legacy-edge"),
            ExpectedOutcome = "Peering Auto-Accepted",
            Checks = [new PeeringCheck("analytics-sandbox", "legacy-edge", "active")],
        },
        new DemoStep
        {
            Id = "refusal",
            // AWS itself fails a request between overlapping VPCs; what reaches auto-accept is a
            // request whose requester VPC gained an overlapping block after it was made.
            Title = "A request made outside the automation, whose VPC then gained an overlapping block, is refused and left pending (legacy-core → analytics-sandbox)",
            DetailType = "Peering Acceptance Check Requested",
            Detail = "{}",
            Setup = new UnmanagedPeering("legacy-core", "analytics-sandbox", RequesterGainsBlock: "10.30.128.0/20"),
            ExpectedOutcome = "Peering Acceptance Refused",
            ExpectedReason = "CidrOverlap",
            Checks = [new PeeringCheck("legacy-core", "analytics-sandbox", "pending-acceptance")],
        },
        new DemoStep
        {
            Id = "approval-asked",
            Title = "The payments dev team asks to peer into analytics-prod, marked approval=required: the owner is asked",
            DetailType = "Peering Requested",
            AsAccount = "{{account:payments-dev}}",
            Detail = """
                {"requestId": "demo-approval",
                 "requester": {"accountId": "{{account:payments-dev}}", "region": "{{region:payments-dev}}", "vpcId": "{{vpc:payments-dev}}"},
                 "accepter": {"accountId": "{{account:analytics-prod}}", "region": "{{region:analytics-prod}}", "vpcId": "{{vpc:analytics-prod}}"},
                 "requestedBy": "dev-lead@example.com"}
                """,
            ExpectedOutcome = "Peering Approval Requested",
            Checks = [new PeeringCheck("payments-dev", "analytics-prod", "none")],
        },
        new DemoStep
        {
            Id = "approval-given",
            Title = "The analytics account approves with its own credentials (the printed put-events line): the peering comes up",
            DetailType = "Peering Approval Decided",
            AsAccount = "{{account:analytics-prod}}",
            Detail = """{"requestId": "demo-approval", "decision": "approve", "comment": "read-only replica access"}""",
            ExpectedOutcome = "Peering Provisioned",
            Checks = [new PeeringCheck("payments-dev", "analytics-prod", "active")],
        },
        new DemoStep
        {
            Id = "approval-rejected-asked",
            Title = "The legacy team asks to peer legacy-edge into analytics-prod: the owner is asked again",
            DetailType = "Peering Requested",
            AsAccount = "{{account:legacy-edge}}",
            Detail = """
                {"requestId": "demo-approval-2",
                 "requester": {"accountId": "{{account:legacy-edge}}", "region": "{{region:legacy-edge}}", "vpcId": "{{vpc:legacy-edge}}"},
                 "accepter": {"accountId": "{{account:analytics-prod}}", "region": "{{region:analytics-prod}}", "vpcId": "{{vpc:analytics-prod}}"}}
                """,
            ExpectedOutcome = "Peering Approval Requested",
        },
        new DemoStep
        {
            Id = "approval-rejected",
            Title = "The analytics account rejects it: nothing is created and the pair is free again",
            DetailType = "Peering Approval Decided",
            AsAccount = "{{account:analytics-prod}}",
            Detail = """{"requestId": "demo-approval-2", "decision": "reject", "comment": "edge networks stay out of prod"}""",
            ExpectedOutcome = "Peering Request Rejected",
            ExpectedReason = "ApprovalRejected",
            Checks = [new PeeringCheck("legacy-edge", "analytics-prod", "none")],
        },
        new DemoStep
        {
            Id = "teardown",
            Title = "Teardown removes the cross-account peering with its routes and rules",
            DetailType = "Peering Teardown Requested",
            Detail = """{"requestId": "demo-cross-account"}""",
            ExpectedOutcome = "Peering Torn Down",
            Checks = [new PeeringCheck("payments-prod", "analytics-prod", "deleted")],
        },
        new DemoStep
        {
            Id = "time-boxed",
            Title = "A time-boxed peering: hub-shared-services ↔ legacy-edge, expiring in 5 seconds",
            DetailType = "Peering Requested",
            Detail = """
                {"requestId": "demo-time-boxed",
                 "requester": {"accountId": "{{account:hub-shared-services}}", "region": "{{region:hub-shared-services}}", "vpcId": "{{vpc:hub-shared-services}}"},
                 "accepter": {"accountId": "{{account:legacy-edge}}", "region": "{{region:legacy-edge}}", "vpcId": "{{vpc:legacy-edge}}"},
                 "expiresAt": "{{in-seconds:5}}", "requestedBy": "oncall@example.com"}
                """,
            ExpectedOutcome = "Peering Provisioned",
            Checks = [new PeeringCheck("hub-shared-services", "legacy-edge", "active")],
        },
        new DemoStep
        {
            Id = "extension",
            Title = "The time box is extended in place (Peering Change Requested): no teardown, the history kept",
            DetailType = "Peering Change Requested",
            Detail = """{"requestId": "demo-time-boxed", "changeId": "demo-extend", "expiresAt": "{{in-seconds:5}}", "requestedBy": "oncall@example.com"}""",
            ExpectedOutcome = "Peering Changed",
            OutcomeFields = new Dictionary<string, string> { ["requestId"] = "demo-time-boxed", ["changeId"] = "demo-extend" },
            Checks = [new PeeringCheck("hub-shared-services", "legacy-edge", "active")],
        },
        new DemoStep
        {
            Id = "expiry",
            Title = "Once the extended time is up, the expiry sweep tears the peering down by itself",
            ScheduleRule = "TeardownPeeringStateMachineExpirySweep",
            AfterExpiryOf = "extension",
            ExpectedOutcome = "Peering Torn Down",
            OutcomeFields = new Dictionary<string, string> { ["requestId"] = "demo-time-boxed", ["trigger"] = "expired" },
            Checks = [new PeeringCheck("hub-shared-services", "legacy-edge", "deleted")],
        },
        new DemoStep
        {
            Id = "compliance",
            Title = "The compliance sweep alerts on a peered VPC without flow logs (payments-dev)",
            DetailType = "Compliance Check Requested",
            Detail = """{"accountIds": ["{{account:payments-prod}}"], "regions": ["us-east-1", "eu-west-1"]}""",
            ExpectedOutcome = "Peering Compliance Finding",
            OutcomeFields = new Dictionary<string, string> { ["findingType"] = "FlowLogsMissing", ["vpcId"] = "{{vpc:payments-dev}}" },
        },
    ];

    /// <summary>Replaces the placeholders of <paramref name="template"/>.</summary>
    public static JsonObject Resolve(string template, World.BuiltWorld world, IReadOnlyDictionary<string, string> peerings) =>
        JsonNode.Parse(ResolveText(template, world, peerings)) as JsonObject ?? throw new FormatException("a step's detail must be a JSON object");

    /// <summary>Replaces the placeholders of a text.</summary>
    public static string ResolveText(string template, World.BuiltWorld world, IReadOnlyDictionary<string, string> peerings) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{\{([\w-]+):([\w.-]+)\}\}", m =>
        {
            var (kind, name) = (m.Groups[1].Value, m.Groups[2].Value);
            return kind switch
            {
                "vpc" => world.Vpc(name).VpcId,
                "account" => world.Vpc(name).AccountId,
                "region" => world.Vpc(name).Region,
                "sg" or "rtb" or "subnet" => world.IdOf(name),
                "peering" => peerings.TryGetValue(name, out var id) ? id : throw new KeyNotFoundException($"no peering from step '{name}'"),
                "in-seconds" => Core.Ledger.LedgerTime.Of(DateTimeOffset.UtcNow.AddSeconds(int.Parse(name, System.Globalization.CultureInfo.InvariantCulture))),
                _ => throw new FormatException($"unknown placeholder {m.Value}"),
            };
        });
}
