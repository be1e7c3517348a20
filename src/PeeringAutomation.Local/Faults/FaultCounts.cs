namespace PeeringAutomation.Local.Faults;

/// <summary>Calls seen and faults injected since faults were armed (thread-safe).</summary>
public sealed class FaultCounts
{
    private long ec2Calls, stsCalls, throttled, serverErrors, invocations, invocationFailures, deliveries, duplicates;

    internal void AwsCall(string service) => Interlocked.Increment(ref service == "sts" ? ref stsCalls : ref ec2Calls);

    internal void Throttled() => Interlocked.Increment(ref throttled);

    internal void ServerError() => Interlocked.Increment(ref serverErrors);

    internal void Invocation() => Interlocked.Increment(ref invocations);

    internal void InvocationFailed() => Interlocked.Increment(ref invocationFailures);

    internal void Delivery() => Interlocked.Increment(ref deliveries);

    internal void Duplicated() => Interlocked.Increment(ref duplicates);

    internal void Reset()
    {
        Interlocked.Exchange(ref ec2Calls, 0);
        Interlocked.Exchange(ref stsCalls, 0);
        Interlocked.Exchange(ref throttled, 0);
        Interlocked.Exchange(ref serverErrors, 0);
        Interlocked.Exchange(ref invocations, 0);
        Interlocked.Exchange(ref invocationFailures, 0);
        Interlocked.Exchange(ref deliveries, 0);
        Interlocked.Exchange(ref duplicates, 0);
    }

    /// <summary>The counts now.</summary>
    public FaultCountsSnapshot Snapshot() => new(
        Interlocked.Read(ref ec2Calls), Interlocked.Read(ref stsCalls), Interlocked.Read(ref throttled), Interlocked.Read(ref serverErrors),
        Interlocked.Read(ref invocations), Interlocked.Read(ref invocationFailures), Interlocked.Read(ref deliveries), Interlocked.Read(ref duplicates));
}

/// <summary>Calls made and faults injected, as tests read them and <c>up</c> prints them on stop.</summary>
public sealed record FaultCountsSnapshot(
    long Ec2Calls, long StsCalls, long Throttled, long ServerErrors,
    long Invocations, long InvocationFailures, long Deliveries, long Duplicates)
{
    public override string ToString() =>
        $"EC2 calls {Ec2Calls}, STS calls {StsCalls}: {Throttled} throttled, {ServerErrors} answered 5xx; "
        + $"Lambda invocations {Invocations}: {InvocationFailures} failed; rule deliveries {Deliveries}: {Duplicates} delivered twice";
}
