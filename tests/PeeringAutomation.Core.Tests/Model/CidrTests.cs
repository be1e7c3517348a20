namespace PeeringAutomation.Core.Tests.Model;

public sealed class CidrTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("255.255.255.255/32", "255.255.255.255/32")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32")]
    [InlineData("2001:DB8:ABCD::/48", "2001:db8:abcd::/48")]
    [InlineData("2001:db8:0:0:1:0:0:0/80", "2001:db8:0:0:1::/80")]
    [InlineData("0:0:0:0:0:0:0:0/0", "::/0")]
    [InlineData("::1/128", "::1/128")]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104")]
    public void CidrToString_WritesCanonicalFormGivenAnySpelling(string text, string canonical)
    {
        var cidr = Cidr.Parse(text);

        cidr.ToString().ShouldBe(canonical);
        Cidr.Parse(canonical).ShouldBe(cidr);
    }

    [Theory]
    [InlineData("10.0.0.0/8", IpFamily.IPv4, 8)]
    [InlineData("2001:db8::/32", IpFamily.IPv6, 32)]
    [InlineData("::ffff:10.0.0.0/104", IpFamily.IPv6, 104)]
    public void CidrParse_ReadsFamilyAndPrefixGivenValidBlock(string text, IpFamily family, int prefix)
    {
        var cidr = Cidr.Parse(text);

        cidr.Family.ShouldBe(family);
        cidr.PrefixLength.ShouldBe(prefix);
    }

    [Theory]
    [InlineData("10.0.0.1/8", "10.0.0.0/8")]
    [InlineData("192.168.1.1/16", "192.168.0.0/16")]
    [InlineData("10.0.0.1/0", "0.0.0.0/0")]
    [InlineData("2001:db8::1/64", "2001:db8::/64")]
    [InlineData("2001:db8:1234:5678::/48", "2001:db8:1234::/48")]
    public void CidrTryParse_SuggestsNetworkAddressGivenHostBitsSet(string text, string canonical)
    {
        Cidr.TryParse(text, out var cidr, out var error).ShouldBeFalse();

        cidr.ShouldBeNull();
        error.ShouldBe($"'{text}' is not a CIDR block: host bits are set (did you mean {canonical}?)");
    }

    [Theory]
    [InlineData("10.0.0.0/33", "the prefix length must be 0-32")]
    [InlineData("2001:db8::/129", "the prefix length must be 0-128")]
    [InlineData("10.0.0.0/-1", "the prefix length must be 0-32")]
    [InlineData("10.0.0.0/+8", "the prefix length must be 0-32")]
    [InlineData("10.0.0.0/", "the prefix length must be 0-32")]
    [InlineData("10.0.0.0/8/8", "the prefix length must be 0-32")]
    [InlineData("10.0.0.0/x", "the prefix length must be 0-32")]
    [InlineData("10.0.0.0/0008", "the prefix length must be 0-32")]
    [InlineData("10.0.0.0", "the prefix length is missing")]
    [InlineData("10.0.0/8", "'10.0.0' is not an IP address")]
    [InlineData("10/8", "'10' is not an IP address")]
    [InlineData("10.0.0.256/32", "'10.0.0.256' is not an IP address")]
    [InlineData("1.2.3.4.5/32", "'1.2.3.4.5' is not an IP address")]
    [InlineData("010.0.0.0/8", "'010.0.0.0' is not an IP address")]
    [InlineData("0x0a.0.0.0/8", "'0x0a.0.0.0' is not an IP address")]
    [InlineData("[2001:db8::]/32", "'[2001:db8::]' is not an IP address")]
    [InlineData("fe80::%eth0/64", "'fe80::%eth0' is not an IP address")]
    [InlineData("2001:db8:::/32", "'2001:db8:::' is not an IP address")]
    [InlineData(" 10.0.0.0/8", "' 10.0.0.0' is not an IP address")]
    [InlineData("vpc-12345678/16", "'vpc-12345678' is not an IP address")]
    public void CidrTryParse_SaysWhatIsWrongGivenMalformedBlock(string text, string problem)
    {
        Cidr.TryParse(text, out var cidr, out var error).ShouldBeFalse();

        cidr.ShouldBeNull();
        error.ShouldContain(problem);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void CidrTryParse_AsksForABlockGivenNothing(string? text)
    {
        Cidr.TryParse(text, out _, out var error).ShouldBeFalse();

        error.ShouldBe("a CIDR block is required (e.g. 10.0.0.0/16)");
    }

    [Fact]
    public void CidrParse_ThrowsFormatExceptionGivenMalformedBlock()
    {
        Should.Throw<FormatException>(() => Cidr.Parse("10.0.0.1/8")).Message.ShouldContain("host bits");
    }

    [Theory]
    [InlineData("0.0.0.0/0", true)]
    [InlineData("::/0", true)]
    [InlineData("0.0.0.0/1", false)]
    [InlineData("10.0.0.0/8", false)]
    public void CidrIsDefaultRoute_IsTrueOnlyGivenZeroPrefix(string text, bool isDefault) =>
        Cidr.Parse(text).IsDefaultRoute.ShouldBe(isDefault);

    [Theory]
    [InlineData("10.0.0.0/16", "10.0.255.0/24", true)]
    [InlineData("10.0.0.0/16", "10.1.0.0/16", false)]
    [InlineData("10.0.0.0/15", "10.1.0.0/16", true)]
    [InlineData("10.0.0.0/16", "10.0.0.0/16", true)]
    [InlineData("10.0.255.255/32", "10.1.0.0/32", false)]
    [InlineData("100.64.0.0/10", "100.127.255.0/24", true)]
    [InlineData("2001:db8::/56", "2001:db8:0:ff::/64", true)]
    [InlineData("2001:db8::/56", "2001:db8:0:100::/56", false)]
    [InlineData("0.0.0.0/0", "192.168.0.0/16", true)]
    public void CidrOverlaps_IsSymmetricGivenKnownPairs(string a, string b, bool overlap)
    {
        Cidr.Parse(a).Overlaps(Cidr.Parse(b)).ShouldBe(overlap);
        Cidr.Parse(b).Overlaps(Cidr.Parse(a)).ShouldBe(overlap);
    }

    [Fact]
    public void CidrOverlaps_IsFalseGivenIpv4AndItsIpv4MappedIpv6Form()
    {
        // ::ffff:10.0.0.0/104 is an IPv6 block; EC2 never treats it as 10.0.0.0/8.
        Cidr.Parse("10.0.0.0/8").Overlaps(Cidr.Parse("::ffff:10.0.0.0/104")).ShouldBeFalse();
        Cidr.Parse("0.0.0.0/0").Overlaps(Cidr.Parse("::/0")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("10.0.0.0/16", "10.0.1.0/24", true)]
    [InlineData("10.0.1.0/24", "10.0.0.0/16", false)]
    [InlineData("10.0.0.0/16", "10.0.0.0/16", true)]
    [InlineData("10.0.0.0/16", "10.1.0.0/24", false)]
    [InlineData("2001:db8::/56", "2001:db8:0:1::/64", true)]
    [InlineData("2001:db8::/64", "10.0.0.0/8", false)]
    [InlineData("::/0", "0.0.0.0/0", false)]
    public void CidrContains_JudgesSubsetGivenKnownPairs(string outer, string inner, bool contains) =>
        Cidr.Parse(outer).Contains(Cidr.Parse(inner)).ShouldBe(contains);

    [Fact]
    public void CidrEquals_IsValueEqualityGivenSameBlockSpelledDifferently()
    {
        var a = Cidr.Parse("2001:DB8::/32");
        var b = Cidr.Parse("2001:db8:0:0::/32");

        a.ShouldBe(b);
        a.GetHashCode().ShouldBe(b.GetHashCode());
        Cidr.Parse("10.0.0.0/8").ShouldNotBe(Cidr.Parse("10.0.0.0/9"));
    }
}
