using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PeeringAutomation.Core.Tests;

/// <summary>Builders for request events: each starts valid, so a test changes only what it is about.</summary>
internal static class Builders
{
    /// <summary>The fixed "now" every parser in these tests judges <c>expiresAt</c> against.</summary>
    /// <summary>The envelope id, a UUID as EventBridge makes them.</summary>
    public const string EventId = "6a7e8feb-b491-4cf7-a9f1-bf3703467718";

    public static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public static PeeringRequestedEventBuilder PeeringRequested() => new();

    public static DetailEventBuilder TeardownRequested(JsonObject detail) =>
        new("Peering Teardown Requested", detail);

    public static DetailEventBuilder ComplianceCheckRequested(JsonObject detail) =>
        new("Compliance Check Requested", detail);

    public static RequestParser Parser() => new(new FixedClock(Now));
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>An EventBridge envelope around any detail.</summary>
internal sealed class DetailEventBuilder(string detailType, JsonNode? detail)
    : EventBuilder<DetailEventBuilder>(detailType, detail);

/// <summary>An EventBridge envelope around a detail, editable by JSON path.</summary>
internal abstract class EventBuilder<TSelf> where TSelf : EventBuilder<TSelf>
{
    private readonly JsonObject envelope;

    protected EventBuilder(string detailType, JsonNode? detail)
    {
        envelope = new JsonObject
        {
            ["version"] = "0",
            ["id"] = Builders.EventId,
            ["detail-type"] = detailType,
            ["source"] = "vpc-peering",
            ["account"] = "123456789012",
            ["time"] = "2026-11-27T12:00:00Z",
            ["region"] = "us-east-1",
            ["resources"] = new JsonArray(),
            ["detail"] = detail,
        };
    }

    /// <summary>Sets an envelope field (<c>source</c>, <c>detail-type</c>, <c>id</c>, <c>detail</c>…).</summary>
    public TSelf WithEnvelope(string name, JsonNode? value)
    {
        envelope[name] = value;
        return (TSelf)this;
    }

    public TSelf WithoutEnvelope(string name)
    {
        envelope.Remove(name);
        return (TSelf)this;
    }

    /// <summary>Sets a detail field by path (<c>requester.ingressFromPeer[0].fromPort</c>), creating nothing on the way.</summary>
    public TSelf With(string path, JsonNode? value)
    {
        var (parent, last) = Navigate(path);
        switch (last)
        {
            case int index:
                parent.AsArray()[index] = value;
                break;
            case string name:
                parent.AsObject()[name] = value;
                break;
        }
        return (TSelf)this;
    }

    /// <summary>Removes a detail field by path.</summary>
    public TSelf Without(string path)
    {
        var (parent, last) = Navigate(path);
        if (last is string name)
        {
            parent.AsObject().Remove(name);
        }
        else
        {
            parent.AsArray().RemoveAt((int)last);
        }
        return (TSelf)this;
    }

    public JsonObject Detail => envelope["detail"]!.AsObject();

    public string Build() => envelope.ToJsonString();

    public JsonElement BuildElement()
    {
        using var document = JsonDocument.Parse(Build());
        return document.RootElement.Clone();
    }

    private (JsonNode Parent, object Last) Navigate(string path)
    {
        var steps = new List<object>();
        foreach (var segment in path.Split('.'))
        {
            var match = Regex.Match(segment, @"^([^\[]*)((\[\d+\])*)$");
            if (match.Groups[1].Value.Length > 0)
            {
                steps.Add(match.Groups[1].Value);
            }
            foreach (Match index in Regex.Matches(match.Groups[2].Value, @"\[(\d+)\]"))
            {
                steps.Add(int.Parse(index.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        JsonNode node = Detail;
        foreach (var step in steps[..^1])
        {
            node = step is int i ? node.AsArray()[i]! : node.AsObject()[(string)step]!;
        }
        return (node, steps[^1]);
    }
}

/// <summary>A valid cross-account, cross-region <c>Peering Requested</c> event, as in the README's event contract.</summary>
internal sealed class PeeringRequestedEventBuilder : EventBuilder<PeeringRequestedEventBuilder>
{
    public const string RequesterAccount = "111111111111";
    public const string AccepterAccount = "222222222222";
    public const string RequesterVpc = "vpc-0a1b2c3d4e5f60718";
    public const string AccepterVpc = "vpc-0f1e2d3c4b5a69788";
    public const string RequesterRouteTable = "rtb-0123456789abcdef0";
    public const string AccepterRouteTable = "rtb-0fedcba9876543210";
    public const string RequesterGroup = "sg-0123456789abcdef0";

    public PeeringRequestedEventBuilder()
        : base("Peering Requested", ValidDetail())
    {
    }

    public PeeringRequestedEventBuilder WithRequestId(string? requestId) => Set("requestId", requestId);

    public PeeringRequestedEventBuilder WithDestinationCidrs(params string[] cidrs) =>
        Set("destinationCidrs", new JsonArray([.. cidrs.Select(c => (JsonNode)c)]));

    public PeeringRequestedEventBuilder WithExpiresAt(string expiresAt) => Set("expiresAt", expiresAt);

    public PeeringRequestedEventBuilder WithTag(string key, string value)
    {
        Detail["tags"]!.AsObject()[key] = value;
        return this;
    }

    public PeeringRequestedEventBuilder WithIngress(string side, string protocol, int? fromPort, int? toPort, string group = RequesterGroup)
    {
        var rule = new JsonObject { ["securityGroupId"] = group, ["protocol"] = protocol };
        if (fromPort is not null)
        {
            rule["fromPort"] = fromPort;
        }
        if (toPort is not null)
        {
            rule["toPort"] = toPort;
        }
        Detail[side]!.AsObject()["ingressFromPeer"] = new JsonArray(rule);
        return this;
    }

    /// <summary>Only the required fields, nothing optional.</summary>
    public PeeringRequestedEventBuilder Minimal()
    {
        foreach (var name in new[] { "requestId", "destinationCidrs", "allowDnsResolution", "expiresAt", "tags", "requestedBy" })
        {
            Detail.Remove(name);
        }
        foreach (var side in new[] { "requester", "accepter" })
        {
            Detail[side]!.AsObject().Remove("routeTableIds");
            Detail[side]!.AsObject().Remove("ingressFromPeer");
        }
        return this;
    }

    private PeeringRequestedEventBuilder Set(string name, JsonNode? value)
    {
        return With(name, value);
    }

    private static JsonObject ValidDetail() => new()
    {
        ["requestId"] = "chg-2041",
        ["requester"] = new JsonObject
        {
            ["accountId"] = RequesterAccount,
            ["region"] = "us-east-1",
            ["vpcId"] = RequesterVpc,
            ["routeTableIds"] = new JsonArray(RequesterRouteTable),
            ["ingressFromPeer"] = new JsonArray(new JsonObject
            {
                ["securityGroupId"] = RequesterGroup,
                ["protocol"] = "tcp",
                ["fromPort"] = 443,
                ["toPort"] = 443,
            }),
        },
        ["accepter"] = new JsonObject
        {
            ["accountId"] = AccepterAccount,
            ["region"] = "eu-west-1",
            ["vpcId"] = AccepterVpc,
            ["routeTableIds"] = new JsonArray(AccepterRouteTable),
            ["ingressFromPeer"] = new JsonArray(),
        },
        ["destinationCidrs"] = null,
        ["allowDnsResolution"] = false,
        ["expiresAt"] = "2026-12-24T00:00:00Z",
        ["tags"] = new JsonObject { ["CostCenter"] = "1234" },
        ["requestedBy"] = "alice@example.com",
    };
}
