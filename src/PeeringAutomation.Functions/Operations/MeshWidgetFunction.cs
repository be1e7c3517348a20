using System.Text.Json;
using PeeringAutomation.Core.Operations;
using PeeringAutomation.Core.Requests;
using PeeringAutomation.Functions.Hosting;

namespace PeeringAutomation.Functions.Operations;

/// <summary>
/// The dashboard's peering-mesh custom widget (CloudWatch calls it with the widget's params as
/// top-level keys plus <c>widgetContext</c>): reads the live and recently failed requests from the
/// ledger and returns the mesh as HTML with inline SVG — the returned JSON string is the HTML. An
/// event with <c>describe</c> gets the widget's Markdown documentation, as AWS recommends. The local
/// host's <c>GET /mesh</c> calls this same handler.
/// </summary>
public sealed class MeshWidgetFunction(Services? services)
{
    private const string Step = "MeshWidget";

    public const string Documentation =
        "## Peering mesh\nEvery VPC the request ledger names, grouped by account and region; every live or recently failed request an edge coloured by state, labelled with request id, asker and expiry; a red badge counts the open (not suppressed) compliance findings of a VPC.\n```yaml\n{}\n```";

    public MeshWidgetFunction() : this(null)
    {
    }

    private Services Services => services ?? Services.Default;

    public async Task<Stream> Handle(Stream input)
    {
        using var widgetEvent = await EventJson.ParseAsync(input);
        if (widgetEvent.RootElement.ValueKind == JsonValueKind.Object && widgetEvent.RootElement.TryGetProperty("describe", out _))
        {
            return Text(Documentation);
        }
        var mesh = await ReadAsync(CancellationToken.None);
        var log = new StructuredLog(Step);
        log.Info("mesh rendered", ("peerings", mesh.Edges.Count));
        return Text(MeshRenderer.Render(mesh));
    }

    /// <summary>The mesh as the ledger has it now, with the open findings of each VPC on it as badges.</summary>
    public Task<PeeringMesh> ReadAsync(CancellationToken ct) =>
        new MeshReader(Services.Ledger, Services.Findings, Services.Clock).ReadAsync(ct);

    private static MemoryStream Text(string text)
    {
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStringValue(text);
        }
        output.Position = 0;
        return output;
    }
}
