namespace PeeringAutomation.Local.Faults;

/// <summary>
/// EventBridge delivers at least once: now and then a rule target gets the same event twice, with
/// the same event id. The rule bridge asks this how many copies of each delivery to make.
/// </summary>
public sealed class DuplicateDelivery
{
    private readonly FaultInjection faults;

    internal DuplicateDelivery(FaultInjection faults) => this.faults = faults;

    /// <summary>1, or 2 for the seeded share of deliveries (only once faults are armed).</summary>
    public int Copies()
    {
        if (!faults.Armed)
        {
            return 1;
        }
        faults.Counts.Delivery();
        if (faults.Settings.Duplicate > 0 && faults.Dice.NextDelivery() < faults.Settings.Duplicate)
        {
            faults.Counts.Duplicated();
            return 2;
        }
        return 1;
    }
}
