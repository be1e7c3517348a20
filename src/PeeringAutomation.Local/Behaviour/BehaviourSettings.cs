namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// The AWS behaviour layer's settings: on by default, off with <c>up --raw-moto</c>. The times are
/// AWS's where AWS has one (a pending peering expires after 7 days); the inter-region lag is ours
/// (AWS gives none; observed: seconds to minutes).
/// </summary>
public sealed record BehaviourSettings
{
    /// <summary>Whether the layer is in front of moto at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How long an inter-region peering stays <c>initiating-request</c> and unknown in the accepter's region.</summary>
    public TimeSpan InterRegionLag { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a peering may stay <c>pending-acceptance</c> before it is <c>expired</c> (AWS: 168 h, fixed).</summary>
    public TimeSpan PendingExpiry { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The layer switched off: moto answers as moto does.</summary>
    public static BehaviourSettings RawMoto { get; } = new() { Enabled = false };
}
