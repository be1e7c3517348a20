using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Faults;

/// <summary>
/// A Lambda Invoke API call failing in the Lambda service, before any handler runs: HTTP 500
/// <c>ServiceException</c> or HTTP 429 <c>TooManyRequestsException</c>, with the error type in
/// <c>x-amzn-ErrorType</c> as Lambda sends it. moto's Step Functions engine (like AWS's) turns an
/// Invoke API error into <c>Lambda.&lt;code&gt;</c> for <c>arn:aws:states:::lambda:invoke</c> tasks,
/// so the state machines see <c>Lambda.ServiceException</c> / <c>Lambda.TooManyRequestsException</c>
/// and their standard Retry applies. (moto names it <c>Exception</c> for a direct function-ARN
/// Task, which AWS does not; the product's ASL uses only the optimized integration.)
/// </summary>
internal static class LambdaServiceFault
{
    public static bool IsInvoke(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && request.Path.StartsWithSegments("/2015-03-31/functions", StringComparison.Ordinal)
        && request.Path.Value!.EndsWith("/invocations", StringComparison.Ordinal)
        && request.Headers["X-Amz-Invocation-Type"].ToString() != "DryRun";

    /// <param name="tooManyRequests">Whether the 429 kind (else the 500 kind).</param>
    public static async Task WriteAsync(HttpContext context, bool tooManyRequests)
    {
        var response = context.Response;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (tooManyRequests)
        {
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            response.Headers["x-amzn-ErrorType"] = "TooManyRequestsException";
            response.Headers.RetryAfter = "1";
            await response.WriteAsJsonAsync(new JsonObject { ["Reason"] = "ConcurrentInvocationLimitExceeded", ["Type"] = "User", ["message"] = "Rate Exceeded." }, context.RequestAborted);
        }
        else
        {
            response.StatusCode = StatusCodes.Status500InternalServerError;
            response.Headers["x-amzn-ErrorType"] = "ServiceException";
            await response.WriteAsJsonAsync(new JsonObject { ["Type"] = "Service", ["message"] = "Lambda was unable to process the request (fault injected by the local stack)." }, context.RequestAborted);
        }
    }
}
