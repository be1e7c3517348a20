using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace PeeringAutomation.Core.Tests.Model;

/// <summary>
/// A CIDR block generated as plain integers, so the test has an oracle that does not share code
/// with <see cref="Cidr"/>: the block is the inclusive range [First, Last].
/// </summary>
public sealed record Block(IpFamily Family, UInt128 First, int PrefixLength)
{
    public int Bits => Family == IpFamily.IPv4 ? 32 : 128;

    public UInt128 HostMask => HostMaskOf(Bits - PrefixLength);

    public UInt128 Last => First + HostMask;

    public Cidr Cidr => Cidr.Parse(ToString());

    public static Block Of(IpFamily family, UInt128 address, int prefixLength)
    {
        var bits = family == IpFamily.IPv4 ? 32 : 128;
        return new Block(family, address & ~HostMaskOf(bits - prefixLength), prefixLength);
    }

    // UInt128 shifts count modulo 128, so 1 << 128 is 1, not 0: the /0 IPv6 mask needs its own case.
    private static UInt128 HostMaskOf(int hostBits) => hostBits switch
    {
        0 => UInt128.Zero,
        128 => UInt128.MaxValue,
        _ => (UInt128.One << hostBits) - 1,
    };

    /// <summary>The enclosing block at a shorter (or equal) prefix.</summary>
    public Block Widen(int prefixLength) => Of(Family, First, prefixLength);

    /// <summary>A block inside this one: same network bits, arbitrary bits below them, longer prefix.</summary>
    public Block Narrow(int prefixLength, UInt128 noise) => Of(Family, First | (noise & HostMask), prefixLength);

    public override string ToString()
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, First);
        var address = Family == IpFamily.IPv4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
        return $"{address}/{PrefixLength}";
    }
}

/// <summary>Generators that make overlapping and nested blocks common, not a one-in-a-billion accident.</summary>
public static class CidrArbitraries
{
    private static Gen<UInt128> Address(IpFamily family) =>
        family == IpFamily.IPv4
            // Few distinct top octets, so random IPv4 blocks collide often.
            ? Gen.Zip(Gen.Elements<uint>(10, 172, 192, 0, 255), ArbMap.Default.GeneratorFor<uint>())
                .Select(t => (UInt128)((t.Item1 << 24) | (t.Item2 & 0x00FF_FFFF)))
            : from top in Gen.Elements<ulong>(0x2001_0db8_0000_0000, 0x2600_1f18_0000_0000, 0, ulong.MaxValue)
              from high in ArbMap.Default.GeneratorFor<ulong>()
              from low in ArbMap.Default.GeneratorFor<ulong>()
              select ((UInt128)(top | (high & 0x0000_0000_FFFF_FFFF)) << 64) | low;

    private static Gen<Block> BlockOf(IpFamily family) =>
        from address in Address(family)
        from prefix in Gen.Choose(0, family == IpFamily.IPv4 ? 32 : 128)
        select Block.Of(family, address, prefix);

    private static readonly Gen<Block> AnyBlock = Gen.OneOf(BlockOf(IpFamily.IPv4), BlockOf(IpFamily.IPv6));

    private static readonly Gen<UInt128> Noise =
        Gen.Zip(ArbMap.Default.GeneratorFor<ulong>(), ArbMap.Default.GeneratorFor<ulong>()).Select(t => ((UInt128)t.Item1 << 64) | t.Item2);

    private static Gen<Block> Inside(Block outer) =>
        from prefix in Gen.Choose(outer.PrefixLength, outer.Bits)
        from noise in Noise
        select outer.Narrow(prefix, noise);

    public static Arbitrary<Block> Blocks() => AnyBlock.ToArbitrary();

    /// <summary>Pairs that are unrelated, nested or of the same family and prefix, in roughly equal measure.</summary>
    public static Arbitrary<(Block, Block)> Pairs() =>
        Gen.OneOf(
            Gen.Zip(AnyBlock, AnyBlock),
            from a in AnyBlock from b in Inside(a) select (a, b),
            from a in AnyBlock from b in Inside(a) select (b, a),
            from a in AnyBlock from noise in Noise select (a, a.Widen(Math.Max(0, a.PrefixLength - 3)).Narrow(a.PrefixLength, noise)))
        .ToArbitrary();

    /// <summary>Chains outer ⊇ middle ⊇ inner.</summary>
    public static Arbitrary<(Block, Block, Block)> Chains() =>
        (from outer in AnyBlock
         from middle in Inside(outer)
         from inner in Inside(middle)
         select (outer, middle, inner)).ToArbitrary();
}

[Properties(Arbitrary = [typeof(CidrArbitraries)], MaxTest = 500)]
public sealed class CidrPropertyTests
{
    /// <summary>The oracle: IPv4 blocks as uint ranges, IPv6 as UInt128 ranges, never across families.</summary>
    private static bool RangesOverlap(Block a, Block b) => (a.Family, b.Family) switch
    {
        (IpFamily.IPv4, IpFamily.IPv4) => Ipv4Range(a).First <= Ipv4Range(b).Last && Ipv4Range(b).First <= Ipv4Range(a).Last,
        (IpFamily.IPv6, IpFamily.IPv6) => a.First <= b.Last && b.First <= a.Last,
        _ => false,
    };

    private static bool RangeContains(Block outer, Block inner) => (outer.Family, inner.Family) switch
    {
        (IpFamily.IPv4, IpFamily.IPv4) => Ipv4Range(outer).First <= Ipv4Range(inner).First && Ipv4Range(inner).Last <= Ipv4Range(outer).Last,
        (IpFamily.IPv6, IpFamily.IPv6) => outer.First <= inner.First && inner.Last <= outer.Last,
        _ => false,
    };

    private static (uint First, uint Last) Ipv4Range(Block block)
    {
        var first = checked((uint)block.First);
        var size = block.PrefixLength == 0 ? uint.MaxValue : (1u << (32 - block.PrefixLength)) - 1;
        return (first, first + size);
    }

    [Property]
    public bool CidrParse_RoundTripsGivenCanonicalText(Block block) =>
        Cidr.Parse(block.Cidr.ToString()) == block.Cidr && block.Cidr.PrefixLength == block.PrefixLength && block.Cidr.Family == block.Family;

    [Property]
    public bool CidrTryParse_RejectsGivenAnyHostBitSet(Block block, ulong noise)
    {
        if (block.HostMask == UInt128.Zero)
        {
            return true; // a /32 or /128 has no host bits to set
        }
        var bit = UInt128.One << (int)(noise % (ulong)(block.Bits - block.PrefixLength));
        var withHostBit = new Block(block.Family, block.First | bit, block.PrefixLength);
        return !Cidr.TryParse(withHostBit.ToString(), out _, out var error)
            && error.Contains($"did you mean {block.Cidr}?", StringComparison.Ordinal);
    }

    [Property]
    public bool CidrOverlaps_IsSymmetricGivenAnyPair((Block A, Block B) pair) =>
        pair.A.Cidr.Overlaps(pair.B.Cidr) == pair.B.Cidr.Overlaps(pair.A.Cidr);

    [Property]
    public bool CidrOverlaps_MatchesUintAndUInt128RangesGivenAnyPair((Block A, Block B) pair) =>
        pair.A.Cidr.Overlaps(pair.B.Cidr) == RangesOverlap(pair.A, pair.B);

    [Property]
    public bool CidrContains_MatchesUintAndUInt128RangesGivenAnyPair((Block A, Block B) pair) =>
        pair.A.Cidr.Contains(pair.B.Cidr) == RangeContains(pair.A, pair.B);

    [Property]
    public bool CidrContains_ImpliesOverlapGivenAnyPair((Block A, Block B) pair) =>
        !pair.A.Cidr.Contains(pair.B.Cidr) || pair.A.Cidr.Overlaps(pair.B.Cidr);

    [Property]
    public bool CidrContains_IsReflexiveGivenAnyBlock(Block block) =>
        block.Cidr.Contains(block.Cidr) && block.Cidr.Overlaps(block.Cidr);

    [Property]
    public bool CidrContains_IsTransitiveGivenNestedChain((Block Outer, Block Middle, Block Inner) chain) =>
        chain.Outer.Cidr.Contains(chain.Middle.Cidr)
        && chain.Middle.Cidr.Contains(chain.Inner.Cidr)
        && chain.Outer.Cidr.Contains(chain.Inner.Cidr);

    [Property]
    public bool CidrOverlaps_IsFalseGivenDifferentFamilies(Block block, Block other)
    {
        var v4 = block.Family == IpFamily.IPv4 ? block : Block.Of(IpFamily.IPv4, block.First & uint.MaxValue, Math.Min(block.PrefixLength, 32));
        var v6 = other.Family == IpFamily.IPv6 ? other : Block.Of(IpFamily.IPv6, other.First, other.PrefixLength);
        return !v4.Cidr.Overlaps(v6.Cidr) && !v6.Cidr.Overlaps(v4.Cidr) && !v4.Cidr.Contains(v6.Cidr) && !v6.Cidr.Contains(v4.Cidr);
    }

    [Property]
    public bool CidrOverlaps_IsFalseGivenDistinctBlocksOfSamePrefixLength((Block A, Block B) pair)
    {
        // Same family and prefix length: either the very same block, or no shared address.
        var (a, b) = pair;
        var first = a.Family == IpFamily.IPv4 ? b.First & uint.MaxValue : b.First;
        b = Block.Of(a.Family, first, a.PrefixLength);
        return a.Cidr == b.Cidr ? a.Cidr.Overlaps(b.Cidr) : !a.Cidr.Overlaps(b.Cidr);
    }
}
