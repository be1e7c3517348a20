using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace PeeringAutomation.Core.Model;

/// <summary>
/// A small validated identifier: an instance exists only when its text matched the format, so
/// nothing past the boundary re-checks it.
/// </summary>
public interface IIdentifier<TSelf> where TSelf : struct, IIdentifier<TSelf>
{
    /// <summary>What a valid value looks like, for error messages ("12 digits").</summary>
    static abstract string Expected { get; }

    static abstract bool IsValid(string text);

    static abstract TSelf FromValid(string text);

    string Value { get; }
}

/// <summary>Parsing shared by every <see cref="IIdentifier{TSelf}"/>.</summary>
public static class Identifier
{
    public static bool TryParse<T>(string? text, [NotNullWhen(true)] out T? id, out string error)
        where T : struct, IIdentifier<T>
    {
        if (text is not null && T.IsValid(text))
        {
            id = T.FromValid(text);
            error = "";
            return true;
        }
        id = null;
        error = $"'{text}' is not {T.Expected}";
        return false;
    }

    public static T Parse<T>(string text) where T : struct, IIdentifier<T> =>
        TryParse<T>(text, out var id, out var error) ? id.Value : throw new FormatException(error);
}

// Every pattern ends in \z, not $: in .NET "$" also matches before a final "\n", so
// "111111111111\n" would pass as an account id and carry the newline into tags and ARNs.
internal static partial class IdentifierPatterns
{
    [GeneratedRegex("^[0-9]{12}\\z")]
    public static partial Regex Account();

    // Commercial, GovCloud, China and ISO partitions all follow <area>-<direction>-<n>.
    [GeneratedRegex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}\\z")]
    public static partial Regex Region();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}\\z")]
    public static partial Regex Request();

    // EC2 resource ids are a prefix and 8 (legacy) or 17 lowercase hex digits.
    [GeneratedRegex("^vpc-([0-9a-f]{8}|[0-9a-f]{17})\\z")]
    public static partial Regex Vpc();

    [GeneratedRegex("^pcx-([0-9a-f]{8}|[0-9a-f]{17})\\z")]
    public static partial Regex Pcx();

    [GeneratedRegex("^rtb-([0-9a-f]{8}|[0-9a-f]{17})\\z")]
    public static partial Regex Rtb();

    [GeneratedRegex("^sg-([0-9a-f]{8}|[0-9a-f]{17})\\z")]
    public static partial Regex Sg();
}

/// <summary>A 12-digit AWS account id.</summary>
[JsonConverter(typeof(IdentifierJsonConverter<AccountId>))]
public readonly record struct AccountId : IIdentifier<AccountId>
{
    private AccountId(string value) => Value = value;

    public string Value { get; }

    public static string Expected => "an AWS account id (exactly 12 digits)";

    public static bool IsValid(string text) => IdentifierPatterns.Account().IsMatch(text);

    public static AccountId FromValid(string text) => new(text);

    public static AccountId Parse(string text) => Identifier.Parse<AccountId>(text);

    public override string ToString() => Value;
}

/// <summary>An AWS region code such as <c>eu-west-1</c>.</summary>
[JsonConverter(typeof(IdentifierJsonConverter<AwsRegion>))]
public readonly record struct AwsRegion : IIdentifier<AwsRegion>
{
    private AwsRegion(string value) => Value = value;

    public string Value { get; }

    public static string Expected => "an AWS region code (e.g. us-east-1)";

    public static bool IsValid(string text) => IdentifierPatterns.Region().IsMatch(text);

    public static AwsRegion FromValid(string text) => new(text);

    public static AwsRegion Parse(string text) => Identifier.Parse<AwsRegion>(text);

    public override string ToString() => Value;
}

/// <summary>The idempotency key of a peering request.</summary>
[JsonConverter(typeof(IdentifierJsonConverter<RequestId>))]
public readonly record struct RequestId : IIdentifier<RequestId>
{
    private RequestId(string value) => Value = value;

    public string Value { get; }

    public static string Expected => "a request id (1-64 characters of A-Z a-z 0-9 . _ -)";

    public static bool IsValid(string text) => IdentifierPatterns.Request().IsMatch(text);

    public static RequestId FromValid(string text) => new(text);

    public static RequestId Parse(string text) => Identifier.Parse<RequestId>(text);

    public override string ToString() => Value;
}

/// <summary>A VPC id (<c>vpc-…</c>).</summary>
[JsonConverter(typeof(IdentifierJsonConverter<VpcId>))]
public readonly record struct VpcId : IIdentifier<VpcId>
{
    private VpcId(string value) => Value = value;

    public string Value { get; }

    public static string Expected => "a VPC id (vpc- and 8 or 17 lowercase hex digits)";

    public static bool IsValid(string text) => IdentifierPatterns.Vpc().IsMatch(text);

    public static VpcId FromValid(string text) => new(text);

    public static VpcId Parse(string text) => Identifier.Parse<VpcId>(text);

    public override string ToString() => Value;
}

/// <summary>A VPC peering connection id (<c>pcx-…</c>).</summary>
[JsonConverter(typeof(IdentifierJsonConverter<PeeringConnectionId>))]
public readonly record struct PeeringConnectionId : IIdentifier<PeeringConnectionId>
{
    private PeeringConnectionId(string value) => Value = value;

    public string Value { get; }

    public static string Expected => "a VPC peering connection id (pcx- and 8 or 17 lowercase hex digits)";

    public static bool IsValid(string text) => IdentifierPatterns.Pcx().IsMatch(text);

    public static PeeringConnectionId FromValid(string text) => new(text);

    public static PeeringConnectionId Parse(string text) => Identifier.Parse<PeeringConnectionId>(text);

    public override string ToString() => Value;
}

/// <summary>A route table id (<c>rtb-…</c>).</summary>
[JsonConverter(typeof(IdentifierJsonConverter<RouteTableId>))]
public readonly record struct RouteTableId : IIdentifier<RouteTableId>
{
    private RouteTableId(string value) => Value = value;

    public string Value { get; }

    public static string Expected => "a route table id (rtb- and 8 or 17 lowercase hex digits)";

    public static bool IsValid(string text) => IdentifierPatterns.Rtb().IsMatch(text);

    public static RouteTableId FromValid(string text) => new(text);

    public static RouteTableId Parse(string text) => Identifier.Parse<RouteTableId>(text);

    public override string ToString() => Value;
}

/// <summary>A security group id (<c>sg-…</c>).</summary>
[JsonConverter(typeof(IdentifierJsonConverter<SecurityGroupId>))]
public readonly record struct SecurityGroupId : IIdentifier<SecurityGroupId>
{
    private SecurityGroupId(string value) => Value = value;

    public string Value { get; }

    public static string Expected => "a security group id (sg- and 8 or 17 lowercase hex digits)";

    public static bool IsValid(string text) => IdentifierPatterns.Sg().IsMatch(text);

    public static SecurityGroupId FromValid(string text) => new(text);

    public static SecurityGroupId Parse(string text) => Identifier.Parse<SecurityGroupId>(text);

    public override string ToString() => Value;
}
