using PeeringAutomation.Aws;
using PeeringAutomation.Core;
using PeeringAutomation.Core.Compliance;
using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Provisioning;

namespace PeeringAutomation.Functions.Hosting;

/// <summary>
/// The function configuration, read once from the environment that template.yaml sets (the
/// template parameters). A missing or malformed variable fails the cold start with its name.
/// </summary>
public sealed record FunctionSettings
{
    public required PeeringPolicy Policy { get; init; }

    public required AwsOptions Aws { get; init; }

    /// <summary>The bus outcome events go to (for events a function batches itself).</summary>
    public string EventBusName { get; init; } = "vpc-peering";

    /// <summary>The request ledger's DynamoDB table (LEDGER_TABLE_NAME).</summary>
    public required string LedgerTableName { get; init; }

    /// <summary>Default of <see cref="ComplianceFindingsPageSize"/>: about 100 KB of events and alerts per page.</summary>
    public const int DefaultComplianceFindingsPageSize = 100;

    /// <summary>
    /// Findings one compliance iteration emits per page (COMPLIANCE_FINDINGS_PAGE_SIZE, 1-200): a
    /// page travels as Step Functions state, which AWS caps at 256 KB; a finding with its alert
    /// text is about 1 KB.
    /// </summary>
    public int ComplianceFindingsPageSize { get; init; } = DefaultComplianceFindingsPageSize;

    /// <summary>The findings-state table beside the ledger (FINDINGS_TABLE_NAME; only the compliance functions have it).</summary>
    public string FindingsTableName { get; init; } = "";

    /// <summary>How long an open finding stays quiet on the alert topic after its last alert (REALERT_AFTER, ISO 8601: P7D).</summary>
    public TimeSpan RealertAfter { get; init; } = FindingLifecycle.DefaultRealertAfter;

    /// <summary>How long before a time-boxed peering expires <c>Peering Expiring Soon</c> is sent (EXPIRY_NOTICE_SECONDS, default a day).</summary>
    public TimeSpan ExpiryNoticePeriod { get; init; } = Core.Teardown.ExpiryNotices.DefaultNoticePeriod;

    /// <summary>Flow-log remediation (FLOW_LOG_REMEDIATION off|cloudwatch|s3, FLOW_LOG_DESTINATION, FLOW_LOG_DELIVERY_ROLE_NAME).</summary>
    public FlowLogRemediationSettings FlowLogRemediation { get; init; } = FlowLogRemediationSettings.Off;

    /// <summary>The region the function runs in (for the hub's STS client).</summary>
    public required AwsRegion HomeRegion { get; init; }

    public static FunctionSettings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static FunctionSettings From(Func<string, string?> variable)
    {
        var problems = new List<string>();
        var managedAccounts = ParseList<AccountId>(variable, "MANAGED_ACCOUNT_IDS", required: true, problems);
        var managedRegions = ParseList<AwsRegion>(variable, "MANAGED_REGIONS", required: true, problems);
        var allowed = ParseList<AccountId>(variable, "ALLOWED_PEER_ACCOUNT_IDS", required: false, problems);
        var platform = ParseList<AccountId>(variable, "PLATFORM_ACCOUNT_IDS", required: false, problems);
        var hub = ParseOne<AccountId>(variable, "HUB_ACCOUNT_ID", problems);
        var home = ParseOne<AwsRegion>(variable, "AWS_REGION", problems);
        var roleName = variable("MEMBER_ROLE_NAME");
        if (string.IsNullOrWhiteSpace(roleName))
        {
            problems.Add("MEMBER_ROLE_NAME is not set");
        }
        var approvalTimeout = 72 * 3600;
        if (variable("APPROVAL_TIMEOUT_SECONDS") is { Length: > 0 } timeoutText
            && (!int.TryParse(timeoutText, out approvalTimeout) || approvalTimeout is < 60 or > 30 * 24 * 3600))
        {
            problems.Add($"APPROVAL_TIMEOUT_SECONDS: '{timeoutText}' is not a number of seconds from 60 to 2592000 (30 days)");
        }
        var ledgerTable = variable("LEDGER_TABLE_NAME");
        if (string.IsNullOrWhiteSpace(ledgerTable))
        {
            problems.Add("LEDGER_TABLE_NAME is not set");
        }
        var maxPeerings = 50;
        if (variable("MAX_PEERINGS_PER_VPC") is { Length: > 0 } text && (!int.TryParse(text, out maxPeerings) || maxPeerings is < 1 or > 125))
        {
            problems.Add($"MAX_PEERINGS_PER_VPC: '{text}' is not a number from 1 to 125");
        }
        var pageSize = DefaultComplianceFindingsPageSize;
        if (variable("COMPLIANCE_FINDINGS_PAGE_SIZE") is { Length: > 0 } pageText && (!int.TryParse(pageText, out pageSize) || pageSize is < 1 or > 200))
        {
            problems.Add($"COMPLIANCE_FINDINGS_PAGE_SIZE: '{pageText}' is not a number from 1 to 200");
        }
        var realertAfter = FindingLifecycle.DefaultRealertAfter;
        if (variable("REALERT_AFTER") is { Length: > 0 } realertText)
        {
            try
            {
                realertAfter = System.Xml.XmlConvert.ToTimeSpan(realertText);
            }
            catch (FormatException)
            {
                problems.Add($"REALERT_AFTER: '{realertText}' is not an ISO 8601 duration such as P7D or PT30S");
            }
        }
        var noticeSeconds = (int)Core.Teardown.ExpiryNotices.DefaultNoticePeriod.TotalSeconds;
        if (variable("EXPIRY_NOTICE_SECONDS") is { Length: > 0 } noticeText
            && (!int.TryParse(noticeText, out noticeSeconds) || noticeSeconds is < 60 or > 30 * 24 * 3600))
        {
            problems.Add($"EXPIRY_NOTICE_SECONDS: '{noticeText}' is not a number of seconds from 60 to 2592000 (30 days)");
        }
        var remediation = ParseRemediation(variable, problems);
        Uri? endpoint = null;
        if (variable("AWS_ENDPOINT_URL") is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out endpoint))
        {
            problems.Add($"AWS_ENDPOINT_URL: '{url}' is not an absolute URL");
        }
        if (problems.Count > 0)
        {
            throw new PeeringRequestInvalid("The function is misconfigured: " + string.Join("; ", problems));
        }
        return new FunctionSettings
        {
            Policy = new PeeringPolicy
            {
                ManagedAccounts = managedAccounts.ToHashSet(),
                ManagedRegions = managedRegions.ToHashSet(),
                AllowedPeerAccounts = allowed.ToHashSet(),
                // PlatformAccountIds defaults to the hub account.
                PlatformAccounts = (platform.Count > 0 ? platform : hub is { } h ? [h] : []).ToHashSet(),
                AllowAllTraffic = IsTrue(variable("ALLOW_ALL_TRAFFIC")),
                RejectUnlistedRequests = IsTrue(variable("REJECT_UNLISTED_REQUESTS")),
                ApproveInterRegion = IsTrue(variable("APPROVE_INTER_REGION")),
                ApprovalTimeout = TimeSpan.FromSeconds(approvalTimeout),
                MaxPeeringsPerVpc = maxPeerings,
            },
            Aws = new AwsOptions
            {
                HubAccount = hub!.Value,
                MemberRoleName = roleName!,
                MemberRoleExternalId = variable("MEMBER_ROLE_EXTERNAL_ID") is { Length: > 0 } id ? id : null,
                EndpointUrl = endpoint,
            },
            HomeRegion = home!.Value,
            LedgerTableName = ledgerTable!,
            EventBusName = variable("EVENT_BUS_NAME") is { Length: > 0 } bus ? bus : "vpc-peering",
            ComplianceFindingsPageSize = pageSize,
            FindingsTableName = variable("FINDINGS_TABLE_NAME") ?? "",
            RealertAfter = realertAfter,
            ExpiryNoticePeriod = TimeSpan.FromSeconds(noticeSeconds),
            FlowLogRemediation = remediation,
        };
    }

    private static FlowLogRemediationSettings ParseRemediation(Func<string, string?> variable, List<string> problems)
    {
        var mode = (variable("FLOW_LOG_REMEDIATION") ?? "off").Trim().ToLowerInvariant();
        var destination = (variable("FLOW_LOG_DESTINATION") ?? "").Trim();
        var role = variable("FLOW_LOG_DELIVERY_ROLE_NAME") is { Length: > 0 } r ? r.Trim() : "PeeringAutomationFlowLogDelivery";
        switch (mode)
        {
            case "" or "off":
                return FlowLogRemediationSettings.Off;
            case "cloudwatch" when destination.Length > 0 && !destination.StartsWith("arn:", StringComparison.Ordinal):
                return new FlowLogRemediationSettings(FlowLogDelivery.CloudWatch, destination, role);
            case "s3" when destination.StartsWith("arn:", StringComparison.Ordinal) && destination.Contains(":s3:::", StringComparison.Ordinal)
                                                                               && !destination[(destination.IndexOf(":::", StringComparison.Ordinal) + 3)..].Contains('/'):
                return new FlowLogRemediationSettings(FlowLogDelivery.S3, destination, role);
            case "cloudwatch":
                problems.Add($"FLOW_LOG_DESTINATION: '{destination}' is not a log-group name pattern");
                return FlowLogRemediationSettings.Off;
            case "s3":
                problems.Add($"FLOW_LOG_DESTINATION: '{destination}' is not a bucket ARN without a prefix (arn:aws:s3:::bucket)");
                return FlowLogRemediationSettings.Off;
            default:
                problems.Add($"FLOW_LOG_REMEDIATION: '{mode}' is not off, cloudwatch or s3");
                return FlowLogRemediationSettings.Off;
        }
    }

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static T? ParseOne<T>(Func<string, string?> variable, string name, List<string> problems)
        where T : struct, IIdentifier<T>
    {
        var text = variable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add($"{name} is not set");
            return null;
        }
        if (!Identifier.TryParse<T>(text.Trim(), out var value, out var error))
        {
            problems.Add($"{name}: {error}");
        }
        return value;
    }

    private static List<T> ParseList<T>(Func<string, string?> variable, string name, bool required, List<string> problems)
        where T : struct, IIdentifier<T>
    {
        var items = (variable(name) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (required && items.Length == 0)
        {
            problems.Add($"{name} is empty");
        }
        var values = new List<T>();
        foreach (var item in items)
        {
            if (Identifier.TryParse<T>(item, out var value, out var error))
            {
                values.Add(value.Value);
            }
            else
            {
                problems.Add($"{name}: {error}");
            }
        }
        return values;
    }
}
