using System.Globalization;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// The peering API calls, answered with the behaviours combined: moto does the work, the layer
/// decides what each side sees (lag, failure, expiry, own tags) and refuses what AWS would refuse.
/// </summary>
public sealed class PeeringCalls(PeeringBook book, InterRegionLag lag, OverlapFailure overlap, PendingExpiry expiry, TimeProvider clock)
{
    public static readonly IReadOnlySet<string> Actions = new HashSet<string>(StringComparer.Ordinal)
    {
        "CreateVpcPeeringConnection", "DescribeVpcPeeringConnections", "AcceptVpcPeeringConnection",
        "RejectVpcPeeringConnection", "DeleteVpcPeeringConnection", "ModifyVpcPeeringConnectionOptions",
        "CreateTags", "DeleteTags",
    };

    public async Task HandleAsync(HttpContext context, IFormCollection form, string action, Caller caller, RequestDelegate next)
    {
        switch (action)
        {
            case "CreateVpcPeeringConnection":
                await CreateAsync(context, form, caller, next);
                break;
            case "DescribeVpcPeeringConnections":
                await DescribeAsync(context, form, caller, next);
                break;
            case "CreateTags" or "DeleteTags":
                await TagAsync(context, form, caller, action == "DeleteTags", next);
                break;
            default:
                await ChangeAsync(context, form, action, caller, next);
                break;
        }
    }

    private async Task CreateAsync(HttpContext context, IFormCollection form, Caller caller, RequestDelegate next)
    {
        var (status, body, xml) = await Ec2Wire.CaptureAsync(context, next);
        var item = xml?.Root?.Child("vpcPeeringConnection");
        if (status != 200 || xml is null || item is null)
        {
            await Ec2Wire.WriteAsync(context, status, body);
            return;
        }
        var peering = Record(item, clock.GetUtcNow());
        peering.SetTags(peering.Requester, PerSideTags.CreationTags(form));
        await ShowAsync(item, peering, peering.Requester, context.RequestAborted);
        await Ec2Wire.WriteAsync(context, status, xml);
    }

    private async Task DescribeAsync(HttpContext context, IFormCollection form, Caller caller, RequestDelegate next)
    {
        var (filters, unknown) = PeeringFilters.Parse(form);
        if (unknown is not null)
        {
            await Ec2Wire.ErrorAsync(context, "InvalidParameterValue", $"The filter '{unknown}' is invalid");
            return;
        }
        var (status, body, xml) = await Ec2Wire.CaptureAsync(context, next);
        var set = xml?.Root?.Child("vpcPeeringConnectionSet");
        if (status != 200 || xml is null || set is null)
        {
            await Ec2Wire.WriteAsync(context, status, body);
            return;
        }
        var visible = new List<XElement>();
        foreach (var item in set.Elements().ToList())
        {
            item.Remove();
            var peering = Record(item, null);
            if (peering.SideOf(caller) is not { } side || lag.IsHiddenFrom(peering, caller))
            {
                continue;
            }
            await ShowAsync(item, peering, side, context.RequestAborted);
            visible.Add(item);
        }
        var asked = Ec2Wire.List(form, "VpcPeeringConnectionId");
        if (asked.FirstOrDefault(id => visible.All(i => i.Text("vpcPeeringConnectionId") != id)) is { } missing)
        {
            await Ec2Wire.PeeringNotFoundAsync(context, missing);
            return;
        }
        var matching = visible.Where(i => PeeringFilters.Matches(i, filters)).ToList();
        var (page, nextToken, error) = PeeringFilters.Page(matching, form);
        if (error is not null)
        {
            await Ec2Wire.ErrorAsync(context, "InvalidParameterValue", error);
            return;
        }
        set.Add(page);
        xml.Root!.Elements().Where(e => e.Name.LocalName == "nextToken").Remove();
        if (nextToken is not null)
        {
            xml.Root.Add(new XElement(xml.Root.Name.Namespace + "nextToken", nextToken));
        }
        await Ec2Wire.WriteAsync(context, status, xml);
    }

    private async Task TagAsync(HttpContext context, IFormCollection form, Caller caller, bool delete, RequestDelegate next)
    {
        var resources = Ec2Wire.List(form, "ResourceId");
        var peerings = resources.Where(r => r.StartsWith("pcx-", StringComparison.Ordinal)).ToList();
        if (peerings.Count == 0)
        {
            await next(context);
            return;
        }
        var records = new List<(PeeringRecord, PeeringSide)>();
        foreach (var id in peerings)
        {
            var peering = book.Find(id);
            if (peering?.SideOf(caller) is not { } side || lag.IsHiddenFrom(peering, caller))
            {
                await Ec2Wire.PeeringNotFoundAsync(context, id);
                return;
            }
            records.Add((peering, side));
        }
        var tags = PerSideTags.Tags(form);
        foreach (var (peering, side) in records)
        {
            PerSideTags.Apply(peering, side, tags, delete);
        }
        var others = resources.Except(peerings).ToList();
        if (others.Count == 0)
        {
            var ns = Ec2Wire.Ns;
            await Ec2Wire.WriteAsync(context, 200, new XDocument(new XDeclaration("1.0", "UTF-8", null),
                new XElement(ns + $"{form["Action"]}Response", new XElement(ns + "requestId", Guid.NewGuid()), new XElement(ns + "return", "true"))));
            return;
        }
        // The rest of the resources (VPCs, groups, …) are moto's.
        Ec2Wire.ReplaceForm(context.Request, form
            .Where(f => !f.Key.StartsWith("ResourceId.", StringComparison.Ordinal))
            .Select(f => KeyValuePair.Create(f.Key, f.Value.ToString()))
            .Concat(others.Select((r, i) => KeyValuePair.Create($"ResourceId.{i + 1}", r))));
        await next(context);
    }

    /// <summary>Accept, reject, delete, modify options: refused where AWS refuses, else moto's.</summary>
    private async Task ChangeAsync(HttpContext context, IFormCollection form, string action, Caller caller, RequestDelegate next)
    {
        var id = form["VpcPeeringConnectionId"].ToString();
        if (book.Find(id) is not { } peering)
        {
            await next(context);
            return;
        }
        if (lag.IsHiddenFrom(peering, caller))
        {
            await Ec2Wire.PeeringNotFoundAsync(context, id);
            return;
        }
        if (!lag.IsInitiating(peering))
        {
            await overlap.SettleAsync(peering, context.RequestAborted);
        }
        var state = peering.FailedBecause is not null ? "failed" : lag.IsInitiating(peering) ? "initiating-request" : null;
        if (state is null && expiry.IsExpired(peering, peering.LastMotoStatus))
        {
            state = "expired";
        }
        if (state is not null && action == "ModifyVpcPeeringConnectionOptions")
        {
            await Ec2Wire.ErrorAsync(context, "OperationNotPermitted",
                $"Peering {id} is not active. Peering options can be added only to active peerings.");
            return;
        }
        if (state is not null && !(state == "initiating-request" && action == "DeleteVpcPeeringConnection"))
        {
            var attempted = action switch
            {
                "AcceptVpcPeeringConnection" => "active",
                "RejectVpcPeeringConnection" => "rejected",
                _ => "deleting",
            };
            await Ec2Wire.ErrorAsync(context, "InvalidStateTransition",
                $"Invalid state transition for {id}, attempted to transition from {state} to {attempted}");
            return;
        }
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status200OK)
        {
            peering.LastMotoStatus = action switch
            {
                "AcceptVpcPeeringConnection" => "active",
                "RejectVpcPeeringConnection" => "rejected",
                "DeleteVpcPeeringConnection" => "deleted",
                _ => peering.LastMotoStatus,
            };
        }
    }

    /// <summary>Rewrites one described peering for the side that looks at it.</summary>
    private async Task ShowAsync(XElement item, PeeringRecord peering, PeeringSide side, CancellationToken ct)
    {
        var ns = item.Name.Namespace;
        var motoStatus = item.Text("status", "code");
        peering.LastMotoStatus = motoStatus;
        if (!lag.IsInitiating(peering))
        {
            await overlap.SettleAsync(peering, ct);
        }
        var waiting = motoStatus is "pending-acceptance" or "initiating-request";
        (string Code, string Message)? status =
            waiting && peering.FailedBecause is { } failed ? ("failed", failed)
            : waiting && lag.IsInitiating(peering) ? ("initiating-request", InterRegionLag.Message(peering))
            : expiry.IsExpired(peering, motoStatus) ? ("expired", PendingExpiry.Message)
            : null;
        if (status is { } s)
        {
            item.Child("status")?.Remove();
            item.Add(new XElement(ns + "status", new XElement(ns + "code", s.Code), new XElement(ns + "message", s.Message)));
        }
        item.Child("expirationTime")?.Remove();
        if (motoStatus == "pending-acceptance" && status is null)
        {
            item.Add(new XElement(ns + "expirationTime", expiry.ExpirationTime(peering).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));
        }
        PerSideTags.Show(item, peering, side);
    }

    /// <summary>The layer's record of a described peering; one it never saw created is recorded as old and settled.</summary>
    private PeeringRecord Record(XElement item, DateTimeOffset? createdNow)
    {
        var id = item.Text("vpcPeeringConnectionId") ?? "";
        if (book.Find(id) is { } known)
        {
            return known;
        }
        static PeeringSide Side(XElement? info) => new(info?.Text("ownerId") ?? "", info?.Text("region") ?? "", info?.Text("vpcId") ?? "");
        var record = new PeeringRecord(id, Side(item.Child("requesterVpcInfo")), Side(item.Child("accepterVpcInfo")), createdNow ?? clock.GetUtcNow() - lag.Lag);
        if (createdNow is null)
        {
            record.Settle(null);
            record.SetTags(record.Requester, item.Child("tagSet")?.Elements().Select(t => KeyValuePair.Create(t.Text("key") ?? "", t.Text("value") ?? "")) ?? []);
        }
        return book.Add(record);
    }
}
