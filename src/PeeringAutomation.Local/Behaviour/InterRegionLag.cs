namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// An inter-region peering is not at once visible in the accepter's region: AWS keeps it
/// <c>initiating-request</c> for a while and the accepter's region answers
/// <c>InvalidVpcPeeringConnectionID.NotFound</c> (terraform-provider-aws#30423). moto shows it at
/// once, pending. The lag is a setting (default 5 s); tests may change it while running.
/// </summary>
public sealed class InterRegionLag(TimeSpan lag, TimeProvider clock)
{
    public TimeSpan Lag { get; set; } = lag;

    /// <summary>Still <c>initiating-request</c>: inter-region and younger than the lag.</summary>
    public bool IsInitiating(PeeringRecord peering) => peering.InterRegion && clock.GetUtcNow() < peering.CreatedAt + Lag;

    /// <summary>The accepter's region does not know the peering yet.</summary>
    public bool IsHiddenFrom(PeeringRecord peering, Caller caller) => IsInitiating(peering) && caller.Is(peering.Accepter);

    public static string Message(PeeringRecord peering) => $"Initiating Request to {peering.Accepter.Account}";
}
