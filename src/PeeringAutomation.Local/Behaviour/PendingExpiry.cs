namespace PeeringAutomation.Local.Behaviour;

/// <summary>
/// A peering nobody accepts expires: AWS moves it from <c>pending-acceptance</c> to <c>expired</c>
/// 168 hours after the request (not adjustable) and shows <c>expirationTime</c> until then. moto
/// keeps it pending forever and shows no expiration time. A setting shortens the lifetime.
/// </summary>
public sealed class PendingExpiry(TimeSpan lifetime, TimeProvider clock)
{
    public const string Message = "Expired";

    /// <summary>The lifetime of a pending request, adjustable while running (tests shorten it).</summary>
    public TimeSpan Lifetime { get; set; } = lifetime;

    public DateTimeOffset ExpirationTime(PeeringRecord peering) => peering.CreatedAt + Lifetime;

    /// <summary>Whether a peering moto calls <paramref name="motoStatus"/> has expired.</summary>
    public bool IsExpired(PeeringRecord peering, string? motoStatus) =>
        motoStatus == "pending-acceptance" && clock.GetUtcNow() >= ExpirationTime(peering);
}
