namespace PeeringAutomation.Local.Faults;

/// <summary>
/// Seeded draws, one sequence per fault kind: the n-th EC2/STS call of a run gets the same draw
/// whatever the Lambda invocations or deliveries around it did. Which call is the n-th still
/// depends on arrival order when workflows run concurrently, so a replay is exact for a single
/// workflow and statistically the same for many.
/// </summary>
public sealed class FaultDice
{
    private readonly Random aws;
    private readonly Random lambda;
    private readonly Random delivery;

    public FaultDice(int seed)
    {
        // Distinct, fixed offsets: three independent sequences from one seed.
        aws = new Random(unchecked(seed * 3 + 0));
        lambda = new Random(unchecked(seed * 3 + 1));
        delivery = new Random(unchecked(seed * 3 + 2));
    }

    /// <summary>The next draw in [0, 1) for an EC2/STS call.</summary>
    public double NextAwsCall() => Next(aws);

    /// <summary>The next draw in [0, 1) for a Lambda invocation.</summary>
    public double NextInvocation() => Next(lambda);

    /// <summary>The next draw in [0, 1) for a rule delivery.</summary>
    public double NextDelivery() => Next(delivery);

    private static double Next(Random random)
    {
        lock (random)
        {
            return random.NextDouble();
        }
    }
}
