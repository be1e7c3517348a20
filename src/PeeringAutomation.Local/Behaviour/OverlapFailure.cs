using System.Net;
using Amazon.EC2.Model;
using Amazon.Runtime;
using PeeringAutomation.Local.Aws;

namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// AWS fails a peering whose VPCs overlap: any IPv4 block of one (primary or secondary) against any
/// of the other's, and IPv6 likewise. It does so asynchronously, while the request is
/// <c>initiating-request</c>, so the check runs when that phase ends (at once in one region, after
/// the lag across regions) against the blocks the VPCs have <em>then</em>. moto never fails a
/// peering. A VPC that does not exist fails it too (AWS's "incorrect VPC-ID").
/// </summary>
public sealed class OverlapFailure(AccountClients moto)
{
    /// <summary>AWS's status message of a failed peering.</summary>
    public const string Message = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range";

    /// <summary>Runs the check once per peering.</summary>
    public async Task SettleAsync(PeeringRecord peering, CancellationToken ct)
    {
        if (peering.Settled)
        {
            return;
        }
        var requester = await BlocksAsync(peering.Requester, ct);
        var accepter = await BlocksAsync(peering.Accepter, ct);
        var failed = requester is null || accepter is null || requester.Any(a => accepter.Any(b => Overlap(a, b)));
        peering.Settle(failed ? Message : null);
    }

    /// <summary>Whether two blocks of the same family share an address.</summary>
    public static bool Overlap(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    private async Task<IReadOnlyList<IPNetwork>?> BlocksAsync(PeeringSide side, CancellationToken ct)
    {
        try
        {
            var ec2 = await moto.Ec2Async(side.Account, side.Region);
            var vpc = (await ec2.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = [side.VpcId] }, ct)).Vpcs?.FirstOrDefault();
            if (vpc is null)
            {
                return null;
            }
            var v4 = (vpc.CidrBlockAssociationSet ?? [])
                .Where(a => a.CidrBlockState?.State?.Value is null or "associated" or "associating")
                .Select(a => a.CidrBlock).Append(vpc.CidrBlock);
            var v6 = (vpc.Ipv6CidrBlockAssociationSet ?? [])
                .Where(a => a.Ipv6CidrBlockState?.State?.Value is null or "associated" or "associating")
                .Select(a => a.Ipv6CidrBlock);
            return v4.Concat(v6).Where(c => !string.IsNullOrEmpty(c)).Distinct().Select(c => IPNetwork.Parse(c)).ToList();
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "InvalidVpcID.NotFound")
        {
            return null;
        }
    }
}
