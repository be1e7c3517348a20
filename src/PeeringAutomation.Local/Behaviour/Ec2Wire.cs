using System.Security;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// The EC2 query protocol as the layer needs it: the form of a call, moto's XML answer captured
/// for rewriting, and AWS's error shape (<c>Response/Errors/Error</c> + <c>RequestID</c>).
/// </summary>
public static class Ec2Wire
{
    public static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /// <summary>The form of an EC2 query call, or null for anything else (JSON protocols, GETs, …).</summary>
    public static async Task<IFormCollection?> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (!HttpMethods.IsPost(request.Method) || !request.HasFormContentType
            || !request.Headers.Authorization.ToString().Contains("/ec2/aws4_request", StringComparison.Ordinal))
        {
            return null;
        }
        request.EnableBuffering();
        var form = await request.ReadFormAsync(ct);
        request.Body.Position = 0;
        return form;
    }

    /// <summary>Values of a flattened list parameter (<c>Name.1</c>, <c>Name.2</c>, …), in order.</summary>
    public static IReadOnlyList<string> List(IFormCollection form, string name) =>
        form.Keys
            .Where(k => k.StartsWith(name + ".", StringComparison.Ordinal) && int.TryParse(k.AsSpan(name.Length + 1), out _))
            .OrderBy(k => int.Parse(k.AsSpan(name.Length + 1)))
            .Select(k => form[k].ToString())
            .ToList();

    /// <summary>Runs the rest of the pipeline (YARP to moto) and returns moto's status and XML instead of sending them.</summary>
    public static async Task<(int Status, byte[] Body, XDocument? Xml)> CaptureAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        var body = buffer.ToArray();
        try
        {
            return (context.Response.StatusCode, body, XDocument.Load(new MemoryStream(body)));
        }
        catch (System.Xml.XmlException)
        {
            return (context.Response.StatusCode, body, null);
        }
    }

    /// <summary>Writes moto's answer unchanged.</summary>
    public static async Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>Writes an XML answer (moto's, rewritten).</summary>
    public static async Task WriteAsync(HttpContext context, int status, XDocument xml)
    {
        var bytes = Encoding.UTF8.GetBytes(xml.Declaration + xml.ToString(SaveOptions.DisableFormatting));
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml;charset=UTF-8";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>Answers with an EC2 error as AWS spells it.</summary>
    public static async Task ErrorAsync(HttpContext context, string code, string message, int status = StatusCodes.Status400BadRequest)
    {
        var body = $"""<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message></Error></Errors><RequestID>{Guid.NewGuid()}</RequestID></Response>""";
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml;charset=UTF-8";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>AWS's answer for a peering id the caller cannot see.</summary>
    public static Task PeeringNotFoundAsync(HttpContext context, string id) =>
        ErrorAsync(context, "InvalidVpcPeeringConnectionID.NotFound", $"The vpcPeeringConnection ID '{id}' does not exist");

    /// <summary>Replaces the request body with these form fields (for the part of a call moto still gets).</summary>
    public static void ReplaceForm(HttpRequest request, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var text = string.Join("&", fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));
        var bytes = Encoding.UTF8.GetBytes(text);
        request.Body = new MemoryStream(bytes);
        request.ContentLength = bytes.Length;
    }

    /// <summary>The first child of <paramref name="parent"/> with this local name (moto's namespace or none).</summary>
    public static XElement? Child(this XElement parent, string name) => parent.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    /// <summary>The text of a path of children, or null.</summary>
    public static string? Text(this XElement parent, params string[] path)
    {
        XElement? current = parent;
        foreach (var name in path)
        {
            current = current?.Child(name);
        }
        return current?.Value;
    }
}
