namespace PeeringAutomation.Local.Behaviour;

/// <summary>Who makes an EC2 call: the account behind the access key and the region it signed for.</summary>
public sealed record Caller(string Account, string Region)
{
    /// <summary>Whether the caller stands on this side of a peering (its owner, in its region).</summary>
    public bool Is(PeeringSide side) => side.Account == Account && side.Region == Region;
}

/// <summary>One side of a peering as the layer knows it.</summary>
public sealed record PeeringSide(string Account, string Region, string VpcId);
