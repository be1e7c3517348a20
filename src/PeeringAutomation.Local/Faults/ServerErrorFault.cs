using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Faults;

/// <summary>
/// An EC2 or STS call failing on the service's side: EC2 <c>InternalError</c> (500) or
/// <c>Unavailable</c> (503); STS, which uses the query APIs' common errors, <c>InternalFailure</c>
/// (500) or <c>ServiceUnavailable</c> (503). Half of each, decided by the same seeded draw.
/// </summary>
internal static class ServerErrorFault
{
    /// <param name="unavailable">Whether the 503 kind (else the 500 kind).</param>
    public static Task WriteAsync(HttpContext context, string service, bool unavailable) => (service, unavailable) switch
    {
        ("sts", false) => AwsQueryErrors.WriteAsync(context, service, 500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."),
        ("sts", true) => AwsQueryErrors.WriteAsync(context, service, 503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
        (_, false) => AwsQueryErrors.WriteAsync(context, service, 500, "InternalError", "An internal error has occurred."),
        _ => AwsQueryErrors.WriteAsync(context, service, 503, "Unavailable", "The server is overloaded and can't handle the request."),
    };
}
