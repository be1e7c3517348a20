using PeeringAutomation.Core.Model;
using PeeringAutomation.Core.Ports;

namespace PeeringAutomation.Core.Compliance;

/// <summary>
/// Opt-in remediation settings: the delivery kind and the destination — a log-group name pattern
/// (<c>{accountId}</c>, <c>{region}</c>, <c>{vpcId}</c> are replaced) or a bucket ARN without a
/// prefix path — and, for CloudWatch Logs, the delivery role's name in every member account
/// (deploy/member-role.yaml creates it when remediation is on).
/// </summary>
public sealed record FlowLogRemediationSettings(FlowLogDelivery Delivery, string Destination, string DeliveryRoleName)
{
    public static readonly FlowLogRemediationSettings Off = new(FlowLogDelivery.Off, "", "");

    public bool Enabled => Delivery != FlowLogDelivery.Off;

    /// <summary>The target of one VPC's flow log, in the VPC's own account and region.</summary>
    public FlowLogTarget TargetFor(AccountRegion scope, VpcId vpc, string partition = "aws") => Delivery == FlowLogDelivery.S3
        ? new FlowLogTarget(FlowLogDelivery.S3, Destination, null)
        : new FlowLogTarget(FlowLogDelivery.CloudWatch,
            Destination.Replace("{accountId}", scope.Account.Value).Replace("{region}", scope.Region.Value).Replace("{vpcId}", vpc.Value),
            $"arn:{partition}:iam::{scope.Account}:role/{DeliveryRoleName}");
}

/// <summary>What remediation did for one VPC: the flow log it made (null: one was already there) or why it failed.</summary>
public sealed record FlowLogRemediationResult(ComplianceFinding Finding, string? FlowLogId, string? Error, FlowLogTarget Target)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Creates the missing flow log (ALL traffic) of each VPC a <c>FlowLogsMissing</c> finding names, in
/// that VPC's account and region. It never changes or deletes an existing flow log; an identical one
/// (<c>FlowLogAlreadyExists</c>) counts as done; a failure is reported on the finding, never thrown,
/// so one account's broken delivery role does not fail the sweep.
/// </summary>
public sealed class FlowLogRemediator(IEc2GatewayFactory gateways, FlowLogRemediationSettings settings)
{
    public bool Enabled => settings.Enabled;

    public async Task<IReadOnlyList<FlowLogRemediationResult>> RemediateAsync(IReadOnlyList<ComplianceFinding> findings, CancellationToken ct = default)
    {
        var results = new List<FlowLogRemediationResult>();
        if (!settings.Enabled)
        {
            return results;
        }
        foreach (var finding in findings.Where(f => f.FindingType == FindingTypes.FlowLogsMissing && f.VpcId is not null))
        {
            var scope = finding.Scope;
            var vpc = finding.VpcId!.Value;
            var target = settings.TargetFor(scope, vpc);
            try
            {
                var gateway = await gateways.ForAsync(scope, ct);
                var id = await gateway.CreateFlowLogsAsync(vpc, target, ct);
                results.Add(new FlowLogRemediationResult(finding with
                {
                    Remediation = id is null
                        ? $"a flow log to {target.Destination} already exists; it will count once it is ACTIVE"
                        : $"flow log {id} created to {target.Destination} (ALL traffic); the finding resolves on the next sweep",
                }, id, null, target));
            }
            catch (PeeringAutomationError e)
            {
                results.Add(new FlowLogRemediationResult(finding with
                {
                    Severity = "HIGH",
                    Remediation = $"creating a flow log to {target.Destination} failed ({e.AwsErrorCode ?? e.GetType().Name}: {e.Message}); fix the delivery role or destination in {scope}",
                }, null, e.Message, target));
            }
        }
        return results;
    }
}
