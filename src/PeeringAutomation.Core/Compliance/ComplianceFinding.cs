using System.Security.Cryptography;
using System.Text;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Core.Compliance;

/// <summary>The finding types of the public contract (README "Compliance"), plus <c>FlowLogsPartial</c> and <c>ScanFailed</c>.</summary>
public static class FindingTypes
{
    public const string FlowLogsMissing = "FlowLogsMissing";
    public const string FlowLogsPartial = "FlowLogsPartial";
    public const string UnmanagedPeering = "UnmanagedPeering";
    public const string PeerAccountNotAllowed = "PeerAccountNotAllowed";
    public const string BlackholeRoute = "BlackholeRoute";
    public const string RouteTooBroad = "RouteTooBroad";
    public const string PeeringExpired = "PeeringExpired";
    public const string ScanFailed = "ScanFailed";
    public const string ManagedTagWithoutRecord = "ManagedTagWithoutRecord";
    public const string NaclBlocksPeerTraffic = "NaclBlocksPeerTraffic";

    public static readonly IReadOnlyList<string> All =
    [
        FlowLogsMissing, FlowLogsPartial, UnmanagedPeering, PeerAccountNotAllowed, BlackholeRoute, RouteTooBroad, PeeringExpired, ScanFailed,
        ManagedTagWithoutRecord, NaclBlocksPeerTraffic,
    ];
}

/// <summary>
/// One compliance problem, as carried by <c>Peering Compliance Finding</c>. <see cref="FindingId"/>
/// is derived from what the finding is about (never from time), so the same problem has the same
/// id in every sweep and alerts can be deduplicated.
/// </summary>
public sealed record ComplianceFinding
{
    public required string FindingId { get; init; }

    public required string FindingType { get; init; }

    /// <summary><c>HIGH</c>, <c>MEDIUM</c> or <c>LOW</c>.</summary>
    public required string Severity { get; init; }

    public required AccountId AccountId { get; init; }

    public required AwsRegion Region { get; init; }

    /// <summary>The VPC the finding is about (absent for findings about a whole account-region, such as <c>ScanFailed</c>).</summary>
    public VpcId? VpcId { get; init; }

    /// <summary>Where the finding is (its gateway's account and region).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public AccountRegion Scope => new(AccountId, Region);

    public string? VpcPeeringConnectionId { get; init; }

    public string? RouteTableId { get; init; }

    public string? Destination { get; init; }

    public required string Message { get; init; }

    /// <summary>When the finding was first seen (open since), from the findings store.</summary>
    public string? FirstSeen { get; init; }

    /// <summary>Set while a platform account has suppressed the finding's alerts.</summary>
    public string? SuppressedUntil { get; init; }

    /// <summary>What flow-log remediation did about it this sweep (enabled, or why it failed).</summary>
    public string? Remediation { get; init; }

    public static string StableId(string type, params string?[] subject)
    {
        var text = type + "|" + string.Join("|", subject.Select(s => s ?? ""));
        return "pcf-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..20];
    }
}
