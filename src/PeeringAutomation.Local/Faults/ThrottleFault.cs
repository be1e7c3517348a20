using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Faults;

/// <summary>
/// An EC2 or STS call refused for its rate, as AWS does it: EC2 answers HTTP 503
/// <c>RequestLimitExceeded</c> ("Request limit exceeded."), STS HTTP 400 <c>Throttling</c>
/// ("Rate exceeded"). The SDKs retry both as throttling; what is left reaches the adapters'
/// error mapping (<c>AwsThrottled</c>) and the state machines' retries.
/// </summary>
internal static class ThrottleFault
{
    public static Task WriteAsync(HttpContext context, string service) =>
        service == "sts"
            ? AwsQueryErrors.WriteAsync(context, service, StatusCodes.Status400BadRequest, "Throttling", "Rate exceeded")
            : AwsQueryErrors.WriteAsync(context, service, StatusCodes.Status503ServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.");
}
