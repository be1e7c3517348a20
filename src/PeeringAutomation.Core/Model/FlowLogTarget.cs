namespace PeeringAutomation.Core.Model;

/// <summary>Where remediation sends flow logs (template parameter <c>FlowLogRemediation</c>).</summary>
public enum FlowLogDelivery
{
    Off,
    CloudWatch,
    S3,
}

/// <summary>
/// One flow log's destination in one account: a CloudWatch Logs group (with the delivery role EC2
/// assumes, which must live in that account) or an S3 bucket ARN (no role: S3 rejects one).
/// </summary>
public sealed record FlowLogTarget(FlowLogDelivery Kind, string Destination, string? DeliverLogsPermissionArn);
