namespace PeeringAutomation.Core;

// Error names are a contract with the state machines: Lambda reports an exception by its simple
// class name, and the ASL Retry/Catch blocks match on it. Keep the names stable.
#pragma warning disable CA1710 // the names are the contract, not "...Exception"

/// <summary>Base of every error the automation raises on purpose.</summary>
public abstract class PeeringAutomationError(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// The AWS error code behind this error (e.g. <c>RouteAlreadyExists</c>), when it came from an
    /// AWS call: the caller decides whether such a conflict means "already done".
    /// </summary>
    public string? AwsErrorCode { get; init; }
}

/// <summary>The request or a parameter is invalid; retrying cannot help.</summary>
public sealed class PeeringRequestInvalid(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>The desired state conflicts with something that exists and is not ours.</summary>
public sealed class PeeringConflict(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>AWS throttled the call; retry with backoff.</summary>
public sealed class AwsThrottled(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>A transient AWS failure (5xx, timeouts); retry with backoff.</summary>
public sealed class AwsTransientFailure(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>The peering is not yet in the state the step needs (e.g. not active yet).</summary>
public sealed class PeeringNotReady(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>A resource the step needs does not exist (VPC, peering, route table, group).</summary>
public sealed class ResourceNotFound(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>The member role in an account cannot be assumed (missing, trust or external id wrong).</summary>
public sealed class MemberRoleUnavailable(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>AWS refused the call for lack of permission.</summary>
public sealed class AwsAccessDenied(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>An AWS quota would be exceeded.</summary>
public sealed class QuotaExceeded(string message, Exception? inner = null) : PeeringAutomationError(message, inner);

/// <summary>Another change of the same peering is being applied (or was applied since this one was computed): compute again after it.</summary>
public sealed class ChangeInProgress(string message, Exception? inner = null) : PeeringAutomationError(message, inner);
