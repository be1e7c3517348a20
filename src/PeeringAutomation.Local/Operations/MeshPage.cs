using System.Net;
using System.Text.Json.Nodes;
using PeeringAutomation.Local.Lambda;

namespace PeeringAutomation.Local.Operations;

/// <summary>
/// <c>GET /mesh</c>: the dashboard's peering-mesh custom widget, invoked in-process through the same
/// function the template deploys (so the picture is the widget's, byte for byte), wrapped in a page
/// that reloads itself with a meta refresh — no script, as in a dashboard.
/// </summary>
public static class MeshPage
{
    public const string Path = "/mesh";

    public const int RefreshSeconds = 5;

    /// <summary>The template's widget function is found by its handler type.</summary>
    private const string WidgetHandler = "PeeringAutomation.Functions.Operations.MeshWidgetFunction::";

    public static void Map(WebApplication app, FunctionRegistry functions) => app.MapGet(Path, async () =>
    {
        var widget = functions.All.FirstOrDefault(f => f.Plan.Handler.Contains(WidgetHandler, StringComparison.Ordinal));
        if (widget is null)
        {
            return Results.Content(Page("<p>This template has no peering-mesh widget function.</p>"), "text/html; charset=utf-8", statusCode: 404);
        }
        // CloudWatch sends the widget's params and a widgetContext; the widget needs neither.
        var result = await FunctionRegistry.InvokeAsync(widget, """{"widgetContext": {"dashboardName": "local"}}"""u8.ToArray());
        var payload = result.PayloadJson();
        return result.IsError || payload is not JsonValue html
            ? Results.Content(Page($"<pre>{WebUtility.HtmlEncode(payload?.ToJsonString() ?? "no answer")}</pre>"), "text/html; charset=utf-8", statusCode: 500)
            : Results.Content(Page(html.GetValue<string>()), "text/html; charset=utf-8");
    });

    private static string Page(string body) =>
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/>"
        + $"<meta http-equiv=\"refresh\" content=\"{RefreshSeconds}\"/><title>Peering mesh</title></head><body>{body}</body></html>";
}
