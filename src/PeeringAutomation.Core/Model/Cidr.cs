using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace PeeringAutomation.Core.Model;

/// <summary>IPv4 or IPv6.</summary>
public enum IpFamily
{
    IPv4,
    IPv6,
}

/// <summary>
/// A CIDR block, IPv4 or IPv6, in canonical form: the address is the network address (no host
/// bits set), as EC2 requires for VPC blocks and route destinations.
/// </summary>
[JsonConverter(typeof(CidrJsonConverter))]
public sealed record Cidr
{
    private Cidr(IpFamily family, BigInteger network, int prefixLength)
    {
        Family = family;
        Network = network;
        PrefixLength = prefixLength;
    }

    public IpFamily Family { get; }

    /// <summary>The network address as an unsigned integer of <see cref="AddressBits"/> bits.</summary>
    private BigInteger Network { get; }

    public int PrefixLength { get; }

    private int AddressBits => Family == IpFamily.IPv4 ? 32 : 128;

    /// <summary>The first address after the block (exclusive upper bound).</summary>
    private BigInteger End => Network + (BigInteger.One << (AddressBits - PrefixLength));

    /// <summary>True for 0.0.0.0/0 and ::/0.</summary>
    public bool IsDefaultRoute => PrefixLength == 0;

    public static bool TryParse(string? text, [NotNullWhen(true)] out Cidr? cidr, out string error)
    {
        cidr = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a CIDR block is required (e.g. 10.0.0.0/16)";
            return false;
        }
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            error = $"'{text}' is not a CIDR block: the prefix length is missing (e.g. 10.0.0.0/16)";
            return false;
        }
        var addressText = text[..slash];
        var prefixText = text[(slash + 1)..];
        // IPAddress.TryParse is lenient in ways that silently change the meaning of a block:
        // "010.0.0.0" is octal (8.0.0.0), "0x0a.0.0.0" hex, "10.1" is 10.0.0.1, "[::1]" and
        // "::1%eth0" carry URI brackets and zone ids. Accept only what EC2 accepts: a plain
        // dotted quad of decimal octets, or an IPv6 address without brackets or zone.
        var looksIPv4 = !addressText.Contains(':');
        if ((looksIPv4 && !CidrPatterns.DottedQuad().IsMatch(addressText))
            || (!looksIPv4 && (addressText.Contains('%') || addressText.Contains('[')))
            || !IPAddress.TryParse(addressText, out var address))
        {
            error = $"'{text}' is not a CIDR block: '{addressText}' is not an IP address";
            return false;
        }
        var family = address.AddressFamily == AddressFamily.InterNetwork ? IpFamily.IPv4 : IpFamily.IPv6;
        var bits = family == IpFamily.IPv4 ? 32 : 128;
        if (!int.TryParse(prefixText, System.Globalization.NumberStyles.None, null, out var prefix)
            || prefix > bits || prefixText.Length > 3)
        {
            error = $"'{text}' is not a CIDR block: the prefix length must be 0-{bits}";
            return false;
        }
        var value = new BigInteger(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        var hostBits = (BigInteger.One << (bits - prefix)) - 1;
        if ((value & hostBits) != 0)
        {
            var network = value & ~hostBits & ((BigInteger.One << bits) - 1);
            var canonical = new Cidr(family, network, prefix);
            error = $"'{text}' is not a CIDR block: host bits are set (did you mean {canonical}?)";
            return false;
        }
        cidr = new Cidr(family, value, prefix);
        error = "";
        return true;
    }

    public static Cidr Parse(string text) =>
        TryParse(text, out var cidr, out var error) ? cidr : throw new FormatException(error);

    /// <summary>Whether the two blocks share at least one address (never across families).</summary>
    public bool Overlaps(Cidr other) =>
        Family == other.Family && Network < other.End && other.Network < End;

    /// <summary>Whether every address of <paramref name="other"/> lies inside this block.</summary>
    public bool Contains(Cidr other) =>
        Family == other.Family && PrefixLength <= other.PrefixLength
        && other.Network >= Network && other.End <= End;

    public override string ToString()
    {
        var bytes = Network.ToByteArray(isUnsigned: true, isBigEndian: true);
        var width = AddressBits / 8;
        var padded = new byte[width];
        bytes.CopyTo(padded, width - bytes.Length);
        return $"{new IPAddress(padded)}/{PrefixLength}";
    }
}

internal static partial class CidrPatterns
{
    // Four decimal octets 0-255 without leading zeros (a leading zero means octal to some parsers).
    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}\z")]
    public static partial Regex DottedQuad();
}
