using System.Net;
using Amazon.Runtime;
using PeeringAutomation.Core;

namespace PeeringAutomation.Aws;

/// <summary>EC2 error codes the callers of the gateway care about by name.</summary>
public static class Ec2ErrorCodes
{
    /// <summary>CreateRoute: a route to that destination exists (ours or not: the caller decides).</summary>
    public const string RouteAlreadyExists = "RouteAlreadyExists";

    /// <summary>CreateFlowLogs: a flow log with that destination is already there (success for remediation).</summary>
    public const string FlowLogAlreadyExists = "FlowLogAlreadyExists";

    /// <summary>AuthorizeSecurityGroupIngress: one of the rules exists already.</summary>
    public const string PermissionDuplicate = "InvalidPermission.Duplicate";

    /// <summary>RevokeSecurityGroupIngress: a rule to revoke does not exist.</summary>
    public const string PermissionNotFound = "InvalidPermission.NotFound";

    /// <summary>DeleteRoute: no route with that destination.</summary>
    public const string RouteNotFound = "InvalidRoute.NotFound";

    /// <summary>How AWS spells an unknown peering id.</summary>
    public const string PeeringNotFound = "InvalidVpcPeeringConnectionID.NotFound";

    /// <summary>How moto spells it (moto writes <c>Id</c> where AWS writes <c>ID</c>).</summary>
    public const string PeeringNotFoundMoto = "InvalidVpcPeeringConnectionId.NotFound";

    public const string InvalidStateTransition = "InvalidStateTransition";

    public const string OperationNotPermitted = "OperationNotPermitted";

    /// <summary>Either spelling of an unknown peering id.</summary>
    public static bool IsPeeringNotFound(string? code) =>
        string.Equals(code, PeeringNotFound, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The one place that turns AWS SDK failures into the exception types of
/// <see cref="PeeringAutomation.Core"/> (whose class names the state machines match on). The AWS
/// code and message go into the message and <see cref="PeeringAutomationError.AwsErrorCode"/>; the
/// SDK exception stays as <see cref="Exception.InnerException"/>.
/// </summary>
public static class AwsErrorMapper
{
    // Codes AWS services use for throttling (EC2: RequestLimitExceeded; STS and others: Throttling).
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "ThrottledException",
        "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "SlowDown", "EC2ThrottledException",
        "PriorRequestNotComplete", "BandwidthLimitExceeded",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable", "Unavailable",
        "RequestTimeout", "RequestTimeoutException", "IDPCommunicationError",
        // Credentials that ran out between resolving and using them: a retry gets fresh ones.
        "ExpiredToken", "ExpiredTokenException", "RequestExpired",
    };

    private static readonly HashSet<string> AccessCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "UnauthorizedOperation", "AuthFailure", "AccessDenied", "AccessDeniedException",
        "InvalidClientTokenId", "SignatureDoesNotMatch", "OptInRequired", "Blocked",
        "RegionDisabledException", "UnrecognizedClientException", "MissingAuthenticationToken",
    };

    private static readonly HashSet<string> ConflictCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "InvalidStateTransition", "OperationNotPermitted", "IncorrectState", "DependencyViolation",
        "VpcPeeringConnectionAlreadyExists", "RouteAlreadyExists", "InvalidPermission.Duplicate",
        "InvalidGroup.Duplicate", "FlowLogAlreadyExists", "IdempotentParameterMismatch",
    };

    /// <summary>
    /// The Core error for a failed AWS call. <paramref name="operation"/> names the API call and
    /// <paramref name="where"/> the account/region (or role) it was made in, for the message.
    /// </summary>
    public static PeeringAutomationError Map(AmazonServiceException error, string operation, string where)
    {
        var code = string.IsNullOrEmpty(error.ErrorCode) ? $"HTTP {(int)error.StatusCode}" : error.ErrorCode;
        var message = $"{operation} in {where} failed: {code}: {error.Message}";
        return Classify(code, error.StatusCode) switch
        {
            ErrorKind.Throttled => new AwsThrottled(message, error) { AwsErrorCode = code },
            ErrorKind.Transient => new AwsTransientFailure(message, error) { AwsErrorCode = code },
            ErrorKind.AccessDenied => new AwsAccessDenied(message, error) { AwsErrorCode = code },
            ErrorKind.NotFound => new ResourceNotFound(message, error) { AwsErrorCode = code },
            ErrorKind.Quota => new QuotaExceeded(message, error) { AwsErrorCode = code },
            ErrorKind.Conflict => new PeeringConflict(message, error) { AwsErrorCode = code },
            _ => new PeeringRequestInvalid(message, error) { AwsErrorCode = code },
        };
    }

    /// <summary>
    /// A failure that never reached AWS or got no answer (connection refused, reset, timeout):
    /// always transient. Returns null for anything else (bugs must surface as themselves).
    /// </summary>
    public static PeeringAutomationError? MapTransport(Exception error, string operation, string where) =>
        error switch
        {
            AmazonServiceException => null,
            HttpRequestException or IOException or TimeoutException
                => new AwsTransientFailure($"{operation} in {where} failed: {error.GetType().Name}: {error.Message}", error),
            _ => null,
        };

    /// <summary>What an error code means for the caller; public for tests and for the docs.</summary>
    public static ErrorKind Classify(string code, HttpStatusCode status)
    {
        if (ThrottlingCodes.Contains(code) || status == HttpStatusCode.TooManyRequests)
        {
            return ErrorKind.Throttled;
        }
        if (TransientCodes.Contains(code))
        {
            return ErrorKind.Transient;
        }
        if (AccessCodes.Contains(code) || status is HttpStatusCode.Unauthorized)
        {
            return ErrorKind.AccessDenied;
        }
        if (code.EndsWith(".NotFound", StringComparison.OrdinalIgnoreCase)
            || code.EndsWith("NotFoundException", StringComparison.Ordinal))
        {
            return ErrorKind.NotFound;
        }
        // Every EC2 quota code ends this way (RouteLimitExceeded, RulesPerSecurityGroupLimitExceeded,
        // ActiveVpcPeeringConnectionPerVpcLimitExceeded, …); RequestLimitExceeded was caught above.
        if (code.EndsWith("LimitExceeded", StringComparison.OrdinalIgnoreCase)
            || code.EndsWith("LimitExceededException", StringComparison.Ordinal)
            || code.Equals("MaxIOPSLimitExceeded", StringComparison.OrdinalIgnoreCase))
        {
            return ErrorKind.Quota;
        }
        if (ConflictCodes.Contains(code) || code.EndsWith(".Duplicate", StringComparison.OrdinalIgnoreCase)
            || code.EndsWith("AlreadyExists", StringComparison.OrdinalIgnoreCase))
        {
            return ErrorKind.Conflict;
        }
        // A 503 without a known code is how EC2 throttles under load; other 5xx are transient.
        if (status == HttpStatusCode.ServiceUnavailable)
        {
            return ErrorKind.Throttled;
        }
        if ((int)status >= 500)
        {
            return ErrorKind.Transient;
        }
        if (status == HttpStatusCode.Forbidden)
        {
            return ErrorKind.AccessDenied;
        }
        // Malformed ids, InvalidParameterValue, MissingParameter, ValidationError and any other
        // client error: retrying the same call cannot help.
        return ErrorKind.Invalid;
    }
}

/// <summary>The Core error an AWS error code maps to.</summary>
public enum ErrorKind
{
    /// <summary><see cref="AwsThrottled"/>.</summary>
    Throttled,

    /// <summary><see cref="AwsTransientFailure"/>.</summary>
    Transient,

    /// <summary><see cref="AwsAccessDenied"/>.</summary>
    AccessDenied,

    /// <summary><see cref="ResourceNotFound"/>.</summary>
    NotFound,

    /// <summary><see cref="QuotaExceeded"/>.</summary>
    Quota,

    /// <summary><see cref="PeeringConflict"/>.</summary>
    Conflict,

    /// <summary><see cref="PeeringRequestInvalid"/>.</summary>
    Invalid,
}
