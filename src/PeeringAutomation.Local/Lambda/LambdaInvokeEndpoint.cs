using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace PeeringAutomation.Local.Lambda;

/// <summary>
/// Lambda's Invoke API, <c>POST /2015-03-31/functions/{name}/invocations</c>, served by running the
/// function's handler in-process. RequestResponse: 200 with the result, or 200 with
/// <c>X-Amz-Function-Error: Unhandled</c> and Lambda's error object. Event: 202 and a background
/// run with retries and destinations. DryRun: 204.
/// </summary>
public static class LambdaInvokeEndpoint
{
    /// <summary>Maps the route; it takes precedence over the catch-all forwarder to moto.</summary>
    public static void Map(IEndpointRouteBuilder app, FunctionRegistry functions, AsyncInvoker invoker) =>
        app.MapPost("/2015-03-31/functions/{name}/invocations", (HttpContext context, string name) => InvokeAsync(context, name, functions, invoker));

    private static async Task InvokeAsync(HttpContext context, string name, FunctionRegistry functions, AsyncInvoker invoker)
    {
        var function = functions.Find(Uri.UnescapeDataString(name));
        var response = context.Response;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (function is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.Headers["x-amzn-ErrorType"] = "ResourceNotFoundException";
            await response.WriteAsJsonAsync(new JsonObject { ["Type"] = "User", ["Message"] = $"Function not found: {Uri.UnescapeDataString(name)}" });
            return;
        }
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var payload = buffer.ToArray();
        switch (context.Request.Headers["X-Amz-Invocation-Type"].ToString())
        {
            case "Event":
                invoker.Enqueue(function, payload);
                response.StatusCode = StatusCodes.Status202Accepted;
                return;
            case "DryRun":
                response.StatusCode = StatusCodes.Status204NoContent;
                return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await functions.Faults.InvokeAsync(function, payload);
        functions.Timings.Record(function.Plan.Name, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers["X-Amz-Executed-Version"] = "$LATEST";
        if (result.IsError)
        {
            response.Headers["X-Amz-Function-Error"] = "Unhandled";
        }
        await response.Body.WriteAsync(result.Payload, context.RequestAborted);
    }
}
