using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Yarp.ReverseProxy.Transforms;

namespace PeeringAutomation.Local.Hosting;

/// <summary>
/// Forwards every request the host does not serve itself to moto with YARP, keeping the original
/// Host header (moto builds SQS queue URLs from it, so clients keep talking to the host).
/// </summary>
public static class MotoForwarding
{
    /// <summary>Maps the catch-all route to moto.</summary>
    public static void Map(IEndpointRouteBuilder app, Uri moto) =>
        app.MapForwarder("/{**catch-all}", moto.ToString().TrimEnd('/'), transforms =>
        {
            transforms.AddOriginalHost(true);
            transforms.AddRequestTransform(NameUnnamedExecutionsAsync);
        });

    // moto 5.2 names an execution started without a name "None", so the second unnamed
    // StartExecution of a machine fails with ExecutionAlreadyExists. AWS generates a UUID; so do we.
    private static async ValueTask NameUnnamedExecutionsAsync(RequestTransformContext context)
    {
        if (context.HttpContext.Request.Headers["X-Amz-Target"].ToString() is not ("AWSStepFunctions.StartExecution" or "AWSStepFunctions.StartSyncExecution"))
        {
            return;
        }
        var request = context.HttpContext.Request;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.CancellationToken);
        if (JsonNode.Parse(text) is JsonObject body && body["name"] is null)
        {
            body["name"] = Guid.NewGuid().ToString();
            text = body.ToJsonString();
        }
        // YARP streams HttpContext.Request.Body; replacing it (not the outgoing content) is the supported way.
        var bytes = Encoding.UTF8.GetBytes(text);
        request.Body = new MemoryStream(bytes);
        if (context.ProxyRequest.Content is { } content)
        {
            content.Headers.ContentLength = bytes.Length;
        }
    }
}
