using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Hosting;

/// <summary>
/// Test seam: <c>sts:AssumeRole</c> into the listed accounts is refused with STS's own
/// <c>AccessDenied</c>, as for a member account whose role is missing or does not trust the hub.
/// moto itself grants every AssumeRole, so without this no test could see an unreachable account.
/// </summary>
public static class MemberRoleDenial
{
    public static void Use(IApplicationBuilder app, IReadOnlySet<string> deniedAccounts)
    {
        if (deniedAccounts.Count == 0)
        {
            return;
        }
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
            {
                request.EnableBuffering();
                var form = await request.ReadFormAsync(context.RequestAborted);
                request.Body.Position = 0;
                if (form["Action"] == "AssumeRole" && form["RoleArn"].ToString() is var roleArn
                    && roleArn.Split(':') is { Length: > 4 } parts && deniedAccounts.Contains(parts[4]))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    context.Response.ContentType = "text/xml";
                    var body = $"""
                        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/local is not authorized to perform: sts:AssumeRole on resource: {roleArn}</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>
                        """;
                    await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body), context.RequestAborted);
                    return;
                }
            }
            await next(context);
        });
    }
}
