using System.Globalization;
using System.Net;
using System.Text;
using PeeringAutomation.Core.Ledger;

namespace PeeringAutomation.Core.Operations;

/// <summary>
/// Draws the peering mesh as HTML with one inline, server-rendered SVG: CloudWatch custom widgets
/// strip JavaScript and remove <c>&lt;use&gt;</c> and <c>&lt;iframe&gt;</c>, so the picture is plain
/// shapes and text. VPCs are grouped in one box per account and region; a box with more than
/// <see cref="CollapseAbove"/> VPCs, and every box once the picture holds more than
/// <see cref="MaxDrawnVpcs"/>, is drawn as one node, its edges merged per pair of nodes (coloured by
/// the most urgent state, labelled with the count). Everything not active is also listed in a table
/// under the picture with its request id, asker and expiry. The output is well-formed XML (one
/// <c>div</c> root) so tests can parse it, and carries <c>data-*</c> attributes naming each VPC and request.
/// </summary>
public static class MeshRenderer
{
    /// <summary>A group with more VPCs than this is collapsed to one node.</summary>
    public const int CollapseAbove = 12;

    /// <summary>Past this many VPC nodes, every group is collapsed.</summary>
    public const int MaxDrawnVpcs = 80;

    /// <summary>Rows of the attention table (failed, expiring, awaiting, pending); the rest are counted.</summary>
    public const int MaxListed = 40;

    private const int BoxWidth = 300;
    private const int ColumnGap = 150;
    private const int RowGap = 90;
    private const int Header = 40;
    private const int RowHeight = 24;
    private const int Margin = 20;

    public static string ColourOf(MeshEdgeState state) => state switch
    {
        MeshEdgeState.Active => "#1b873f",
        MeshEdgeState.AwaitingApproval => "#8250df",
        MeshEdgeState.PendingAcceptance => "#0969da",
        MeshEdgeState.Failed => "#cf222e",
        MeshEdgeState.ExpiringSoon => "#bc4c00",
        _ => "#57606a",
    };

    public static string NameOf(MeshEdgeState state) => state switch
    {
        MeshEdgeState.Active => "active",
        MeshEdgeState.AwaitingApproval => "awaiting approval",
        MeshEdgeState.PendingAcceptance => "pending acceptance",
        MeshEdgeState.Failed => "failed",
        MeshEdgeState.ExpiringSoon => "expiring within a day",
        _ => "unknown",
    };

    private static string Slug(MeshEdgeState state) => NameOf(state).Replace(' ', '-');

    /// <summary>The widget: a legend, the SVG and the attention table, in one <c>div</c>.</summary>
    public static string Render(PeeringMesh mesh)
    {
        var layout = Layout.Of(mesh);
        var html = new StringBuilder();
        html.Append("<div class=\"peering-mesh\" style=\"font-family:sans-serif;font-size:12px\">");
        html.Append(CultureInfo.InvariantCulture, $"<p>Peering mesh: {layout.VpcCount} VPCs in {layout.Groups.Count} account-regions, {mesh.Edges.Count} peerings (request ledger, read {E(LedgerTime.Of(mesh.ReadAt))}).");
        if (layout.Collapsed > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $" {layout.Collapsed} account-regions collapsed (over {CollapseAbove} VPCs each, or over {MaxDrawnVpcs} VPCs in all).");
        }
        html.Append("</p>");
        html.Append("<p class=\"legend\">");
        foreach (var state in Enum.GetValues<MeshEdgeState>())
        {
            html.Append(CultureInfo.InvariantCulture, $"<span style=\"color:{ColourOf(state)};margin-right:12px\">&#9644; {E(NameOf(state))}</span>");
        }
        html.Append("<span style=\"color:#cf222e\">&#9679; n = open findings</span></p>");
        if (mesh.Edges.Count == 0)
        {
            html.Append("<p class=\"empty\">No managed peerings yet: nothing is live in the request ledger.</p>");
        }
        html.Append(Svg(mesh, layout));
        html.Append(AttentionTable(mesh));
        html.Append("</div>");
        return html.ToString();
    }

    private static string Svg(PeeringMesh mesh, Layout layout)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"mesh\" width=\"{layout.Width}\" height=\"{layout.Height}\" viewBox=\"0 0 {layout.Width} {layout.Height}\" role=\"img\" aria-label=\"peering mesh\">");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
        foreach (var group in layout.Groups)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<g class=\"group\" data-account=\"{E(group.Account)}\" data-region=\"{E(group.Region)}\" data-collapsed=\"{(group.Collapsed ? "true" : "false")}\">");
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{group.X}\" y=\"{group.Y}\" width=\"{BoxWidth}\" height=\"{group.Height}\" rx=\"8\" fill=\"#f6f8fa\" stroke=\"#8c959f\"/>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{group.X + 10}\" y=\"{group.Y + 16}\" font-weight=\"bold\">{E(group.Account)}</text>");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{group.X + 10}\" y=\"{group.Y + 31}\" fill=\"#57606a\">{E(group.Region)} · {group.Vpcs.Count} VPC{(group.Vpcs.Count == 1 ? "" : "s")}</text>");
            if (group.Collapsed)
            {
                var findings = group.Vpcs.Sum(v => mesh.OpenFindings.GetValueOrDefault(v));
                svg.Append(CultureInfo.InvariantCulture,
                    $"<g class=\"node collapsed\" data-vpcs=\"{group.Vpcs.Count}\"><circle cx=\"{group.AnchorX}\" cy=\"{group.AnchorY}\" r=\"12\" fill=\"#57606a\"/>"
                    + $"<text x=\"{group.AnchorX - 120}\" y=\"{group.AnchorY + 4}\">{group.Vpcs.Count} VPCs (collapsed)</text>{Badge(group.AnchorX + 12, group.AnchorY - 12, findings)}</g>");
            }
            else
            {
                foreach (var vpc in group.Vpcs)
                {
                    var (x, y) = layout.Points[vpc];
                    svg.Append(CultureInfo.InvariantCulture,
                        $"<g class=\"node\" data-vpc=\"{E(vpc)}\"><circle cx=\"{x}\" cy=\"{y}\" r=\"7\" fill=\"#24292f\"/>"
                        + $"<text x=\"{x - 14}\" y=\"{y + 4}\" text-anchor=\"end\">{E(vpc)}</text>{Badge(x + 8, y - 8, mesh.OpenFindings.GetValueOrDefault(vpc))}</g>");
                }
            }
            svg.Append("</g>");
        }
        foreach (var edge in layout.Edges)
        {
            svg.Append(EdgeSvg(edge));
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Badge(int x, int y, int findings) => findings <= 0
        ? ""
        : string.Create(CultureInfo.InvariantCulture,
            $"<g class=\"badge\" data-findings=\"{findings}\"><circle cx=\"{x}\" cy=\"{y}\" r=\"8\" fill=\"#cf222e\"/><text x=\"{x}\" y=\"{y + 4}\" text-anchor=\"middle\" fill=\"#ffffff\" font-size=\"10\">{findings}</text></g>");

    private static string EdgeSvg(DrawnEdge edge)
    {
        var colour = ColourOf(edge.State);
        // Edges arc to the right of the line between their ends, each further than the last for the same ends.
        var (x1, y1, x2, y2) = (edge.X1, edge.Y1, edge.X2, edge.Y2);
        double dx = x2 - x1, dy = y2 - y1;
        var length = Math.Max(1, Math.Sqrt(dx * dx + dy * dy));
        var bend = 30 + 26 * edge.Lane;
        if (edge.SameGroup)
        {
            bend += 40;
        }
        var cx = (x1 + x2) / 2.0 + -dy / length * bend;
        var cy = (y1 + y2) / 2.0 + dx / length * bend;
        var lx = 0.25 * x1 + 0.5 * cx + 0.25 * x2;
        var ly = 0.25 * y1 + 0.5 * cy + 0.25 * y2;
        var d = string.Create(CultureInfo.InvariantCulture, $"M {x1} {y1} Q {cx:0.#} {cy:0.#} {x2} {y2}");
        if (x1 == x2 && y1 == y2)
        {
            // Peerings inside one collapsed account-region: a loop beside its node.
            var reach = 70 + 20 * edge.Lane;
            d = string.Create(CultureInfo.InvariantCulture, $"M {x1} {y1} C {x1 + reach} {y1 - 50} {x1 + reach} {y1 + 50} {x1} {y1}");
            (lx, ly) = (x1 + reach * 0.75 + 4, y1 + 4);
        }
        var dash = edge.State is MeshEdgeState.AwaitingApproval or MeshEdgeState.PendingAcceptance ? " stroke-dasharray=\"6 4\"" : "";
        var data = edge.Request is { } request
            ? $" data-request=\"{E(request.RequestId.Value)}\" data-requester=\"{E(request.Requester.VpcId.Value)}\" data-accepter=\"{E(request.Accepter.VpcId.Value)}\""
            : string.Create(CultureInfo.InvariantCulture, $" data-count=\"{edge.Count}\"");
        return string.Create(CultureInfo.InvariantCulture,
            $"<g class=\"edge\" data-state=\"{Slug(edge.State)}\"{data}><path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{(edge.Count > 1 ? 4 : 2)}\"{dash}/>"
            + $"<text x=\"{lx:0.#}\" y=\"{ly:0.#}\" text-anchor=\"middle\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\" font-size=\"11\">{E(edge.Label)}</text></g>");
    }

    private static string AttentionTable(PeeringMesh mesh)
    {
        var attention = mesh.Edges.Where(e => e.State != MeshEdgeState.Active).OrderBy(e => e.State).ThenBy(e => e.RequestId.Value, StringComparer.Ordinal).ToList();
        if (attention.Count == 0)
        {
            return "";
        }
        var table = new StringBuilder("<table class=\"attention\" style=\"border-collapse:collapse;margin-top:8px\"><thead><tr>");
        foreach (var heading in new[] { "state", "request", "asker", "requester", "accepter", "expires" })
        {
            table.Append(CultureInfo.InvariantCulture, $"<th style=\"text-align:left;padding:2px 8px\">{heading}</th>");
        }
        table.Append("</tr></thead><tbody>");
        foreach (var edge in attention.Take(MaxListed))
        {
            table.Append(CultureInfo.InvariantCulture,
                $"<tr data-request=\"{E(edge.RequestId.Value)}\"><td style=\"color:{ColourOf(edge.State)};padding:2px 8px\">{E(NameOf(edge.State))}</td><td>{E(edge.RequestId.Value)}</td><td>{E(edge.Asker)}</td>"
                + $"<td>{E(Side(edge.Requester))}</td><td>{E(Side(edge.Accepter))}</td><td>{E(edge.ExpiresAt is { } at ? LedgerTime.Of(at) : "-")}</td></tr>");
        }
        if (attention.Count > MaxListed)
        {
            table.Append(CultureInfo.InvariantCulture, $"<tr><td colspan=\"6\">and {attention.Count - MaxListed} more</td></tr>");
        }
        table.Append("</tbody></table>");
        return table.ToString();
    }

    private static string Side(Model.PeeringSideInfo side) => $"{side.Account}/{side.Region}/{side.VpcId}";

    /// <summary>Escapes text and attribute values (XML-safe, so also HTML-safe).</summary>
    private static string E(string text) => WebUtility.HtmlEncode(text);

    private sealed record DrawnGroup(string Account, string Region, IReadOnlyList<string> Vpcs, bool Collapsed, int X, int Y, int Height)
    {
        public int AnchorX => X + BoxWidth / 2 + 40;

        public int AnchorY => Y + Header + 20;
    }

    private sealed record DrawnEdge(int X1, int Y1, int X2, int Y2, MeshEdgeState State, string Label, int Count, int Lane, bool SameGroup, MeshEdge? Request);

    private sealed record Layout(IReadOnlyList<DrawnGroup> Groups, IReadOnlyDictionary<string, (int X, int Y)> Points, IReadOnlyList<DrawnEdge> Edges, int Width, int Height, int VpcCount, int Collapsed)
    {
        public static Layout Of(PeeringMesh mesh)
        {
            // Every VPC the edges name, in its account-region group.
            var members = new SortedDictionary<(string Account, string Region), SortedSet<string>>();
            foreach (var edge in mesh.Edges)
            {
                foreach (var side in new[] { edge.Requester, edge.Accepter })
                {
                    var key = (side.Account.Value, side.Region.Value);
                    if (!members.TryGetValue(key, out var set))
                    {
                        members[key] = set = new SortedSet<string>(StringComparer.Ordinal);
                    }
                    set.Add(side.VpcId.Value);
                }
            }
            var vpcCount = members.Values.Sum(s => s.Count);
            var collapseAll = vpcCount > MaxDrawnVpcs;
            var columns = Math.Max(1, Math.Min(4, (int)Math.Ceiling(Math.Sqrt(members.Count))));
            var groups = new List<DrawnGroup>();
            var points = new Dictionary<string, (int X, int Y)>(StringComparer.Ordinal);
            var groupOf = new Dictionary<string, DrawnGroup>(StringComparer.Ordinal);
            var y = Margin + 20;
            foreach (var row in members.Chunk(columns))
            {
                var rowHeight = 0;
                var x = Margin + 130;
                foreach (var ((account, region), vpcs) in row)
                {
                    var collapsed = collapseAll || vpcs.Count > CollapseAbove;
                    var height = collapsed ? Header + 44 : Header + RowHeight * vpcs.Count + 8;
                    var group = new DrawnGroup(account, region, vpcs.ToList(), collapsed, x, y, height);
                    groups.Add(group);
                    var i = 0;
                    foreach (var vpc in vpcs)
                    {
                        points[vpc] = collapsed ? (group.AnchorX, group.AnchorY) : (x + BoxWidth / 2 + 40, y + Header + RowHeight * i++ + 12);
                        groupOf[vpc] = group;
                    }
                    rowHeight = Math.Max(rowHeight, height);
                    x += BoxWidth + ColumnGap;
                }
                y += rowHeight + RowGap;
            }
            var width = Margin * 2 + 130 + columns * (BoxWidth + ColumnGap);
            var height2 = Math.Max(120, y + Margin);

            // Edges: one per request between expanded VPCs; merged per pair of drawn nodes otherwise.
            var drawn = new List<DrawnEdge>();
            var lanes = new Dictionary<(int, int, int, int), int>();
            foreach (var bundle in mesh.Edges.GroupBy(e => EndsOf(e, groupOf)).OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                var first = bundle.First();
                var (from, to) = (groupOf[first.Requester.VpcId.Value], groupOf[first.Accepter.VpcId.Value]);
                // A VPC's circle sits on the right of its box; an edge to a box further left leaves from the
                // box's left border instead, so it does not cross the box's own labels.
                (int X, int Y) Anchor(string vpc, DrawnGroup own, DrawnGroup other) =>
                    !own.Collapsed && other.X < own.X ? (own.X, points[vpc].Y) : points[vpc];
                var a = Anchor(first.Requester.VpcId.Value, from, to);
                var b = Anchor(first.Accepter.VpcId.Value, to, from);
                var same = from == to;
                var merged = groupOf[first.Requester.VpcId.Value].Collapsed || groupOf[first.Accepter.VpcId.Value].Collapsed;
                var items = merged ? [bundle.OrderBy(e => e.State).First()] : bundle.ToList();
                foreach (var edge in items)
                {
                    var key = (a.X, a.Y, b.X, b.Y);
                    var lane = lanes.GetValueOrDefault(key);
                    lanes[key] = lane + 1;
                    if (merged)
                    {
                        var count = bundle.Count();
                        var label = count == 1
                            ? Label(edge)
                            : $"{count} peerings: " + string.Join(", ", bundle.GroupBy(e => e.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {NameOf(g.Key)}"));
                        drawn.Add(new DrawnEdge(a.X, a.Y, b.X, b.Y, edge.State, label, count, lane, same, count == 1 ? edge : null));
                    }
                    else
                    {
                        drawn.Add(new DrawnEdge(a.X, a.Y, b.X, b.Y, edge.State, Label(edge), 1, lane, same, edge));
                    }
                }
            }
            return new Layout(groups, points, drawn, width, height2, vpcCount, groups.Count(g => g.Collapsed));
        }

        private static string EndsOf(MeshEdge edge, Dictionary<string, DrawnGroup> groupOf)
        {
            string End(Model.PeeringSideInfo side) =>
                groupOf[side.VpcId.Value] is { Collapsed: true } g ? $"{g.Account}/{g.Region}" : side.VpcId.Value;
            var (a, b) = (End(edge.Requester), End(edge.Accepter));
            // Expanded ends keep one bundle per request; collapsed ends merge.
            return groupOf[edge.Requester.VpcId.Value].Collapsed || groupOf[edge.Accepter.VpcId.Value].Collapsed
                ? string.CompareOrdinal(a, b) <= 0 ? $"{a}|{b}" : $"{b}|{a}"
                : $"{a}|{b}|{edge.RequestId}";
        }

        private static string Label(MeshEdge edge) =>
            $"{edge.RequestId} · {edge.Asker}" + (edge.ExpiresAt is { } at ? $" · expires {LedgerTime.Of(at)}" : "");
    }
}
