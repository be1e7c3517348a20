using System.Text;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Faults;

/// <summary>EC2's and STS's error bodies, exactly as those services send them (query protocol, XML).</summary>
internal static class AwsQueryErrors
{
    /// <summary>Which query service a request is for, from its SigV4 credential scope (<c>…/region/ec2/aws4_request</c>); null for any other.</summary>
    public static string? ServiceOf(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        var start = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        var end = authorization.IndexOfAny([',', ' '], start);
        var scope = authorization[(start + 11)..(end < 0 ? authorization.Length : end)].Split('/');
        return scope is [_, _, _, var service and ("ec2" or "sts"), ..] ? service : null;
    }

    public static async Task WriteAsync(HttpContext context, string service, int status, string code, string message)
    {
        var requestId = Guid.NewGuid().ToString();
        var body = service == "sts"
            ? $"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>{(status >= 500 ? "Receiver" : "Sender")}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{requestId}</RequestId></ErrorResponse>"""
            : $"""<?xml version="1.0" encoding="UTF-8"?>{"\n"}<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{requestId}</RequestID></Response>""";
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml;charset=UTF-8";
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body), context.RequestAborted);
    }
}
